//! The operating system's page cache for append-only log files.
//!
//! Model: `capacity_pages` pages of `page_bytes`, least-recently-used eviction. An append makes
//! its pages resident and dirty; dirty pages cannot be evicted until written back. Write-back
//! follows Linux's defaults: a page dirty for longer than `dirty_expire_ns` (30 s), or dirty data
//! above `dirty_background_bytes` (10% of memory), is handed to the disk by [`PageCache::writeback`].
//! A read is a hit for each resident page and a miss (to be read from disk, then resident) for
//! the others. Files are append-only, so each file's dirty data is the range
//! `[flushed, written)` at its tail.
//!
//! Bookkeeping is by extents, not pages. An access touches a run of one file's pages in
//! ascending order, so the LRU list is a list of runs ("extents"): a file's pages
//! `[first, end)`, touched one after the other, oldest extent first. An access cuts the pages it
//! touches out of the extents holding them and puts them at the back as one extent (merged with
//! the newest extent when it continues it, as a log's appends do); once the access is done,
//! eviction takes clean pages from the front and moves dirty ones to the back, a run at a time.
//! Time and memory grow with the number of extents, not of pages, so 4 KiB pages cost what
//! 1 MiB pages do. The results are those of a per-page LRU that evicts after each access (the
//! reference model in the tests, checked against this one by a property test).
//!
//! An extent is kept in 40 bytes (two map entries): a file by a 32-bit handle, pages as 32-bit
//! numbers — a file holds at most 2³² pages (Kafka's segments are under 2 GiB).

use crate::engine::Nanos;
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Debug, Default)]
struct FileState {
    /// Disk the file lives on.
    disk: u32,
    flushed: u64,
    written: u64,
    /// (time the data became dirty, end offset of that write), oldest first.
    dirty_log: VecDeque<(Nanos, u64)>,
}

/// Bytes a read found in memory and the ranges it must fetch from disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Bytes served from resident pages.
    pub hit_bytes: u64,
    /// Bytes not resident, as (offset, length) runs of the file.
    pub misses: Vec<(u64, u64)>,
}

/// Resident pages `[first, end)` of the file with handle `file`, each touched after the one
/// before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Extent {
    file: u32,
    first: u64,
    end: u64,
}

/// How the LRU map keeps an extent (its first page is in the key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    file: u32,
    end: u32,
}

/// A page number as kept in the maps.
fn page32(page: u64) -> u32 {
    u32::try_from(page).expect("a file of at most 2^32 pages")
}

/// The page cache of one host.
#[derive(Clone, Debug)]
pub struct PageCache {
    page_bytes: u64,
    capacity_pages: u64,
    dirty_expire_ns: Nanos,
    dirty_background_bytes: u64,
    /// LRU order: (sequence, first page) → extent, least recently used first. The parts of an
    /// extent an access cut apart keep its sequence, ordered by their pages.
    lru: BTreeMap<(u64, u32), Run>,
    /// (file handle, first page) → the sequence of the extent starting there.
    index: BTreeMap<(u32, u32), u64>,
    /// File id → its handle, for files with resident pages or state.
    handles: BTreeMap<u64, u32>,
    /// Handle → file id.
    ids: Vec<u64>,
    next_seq: u64,
    /// Pages resident now.
    resident: u64,
    files: BTreeMap<u64, FileState>,
    dirty_bytes: u64,
    hit_bytes: u64,
    miss_bytes: u64,
}

impl PageCache {
    /// A cache of `capacity_bytes` in pages of `page_bytes`.
    pub fn new(
        capacity_bytes: u64,
        page_bytes: u64,
        dirty_expire_ns: Nanos,
        dirty_background_bytes: u64,
    ) -> Self {
        Self {
            page_bytes,
            capacity_pages: (capacity_bytes / page_bytes).max(1),
            dirty_expire_ns,
            dirty_background_bytes,
            lru: BTreeMap::new(),
            index: BTreeMap::new(),
            handles: BTreeMap::new(),
            ids: Vec::new(),
            next_seq: 0,
            resident: 0,
            files: BTreeMap::new(),
            dirty_bytes: 0,
            hit_bytes: 0,
            miss_bytes: 0,
        }
    }

    /// The handle of file `id`, given one if it has none.
    fn handle(&mut self, id: u64) -> u32 {
        if let Some(&h) = self.handles.get(&id) {
            return h;
        }
        let h = u32::try_from(self.ids.len()).expect("fewer than 2^32 files");
        self.ids.push(id);
        self.handles.insert(id, h);
        h
    }

    fn extent(seq_first: (u64, u32), run: Run) -> Extent {
        Extent {
            file: run.file,
            first: seq_first.1 as u64,
            end: run.end as u64,
        }
    }

    /// The extent at (sequence, first page).
    fn get(&self, seq: u64, first: u64) -> Extent {
        let at = (seq, page32(first));
        Self::extent(at, self.lru[&at])
    }

    fn insert(&mut self, seq: u64, e: Extent) {
        let (first, end) = (page32(e.first), page32(e.end));
        self.lru.insert((seq, first), Run { file: e.file, end });
        self.index.insert((e.file, first), seq);
    }

    fn remove(&mut self, seq: u64, e: Extent) {
        let first = page32(e.first);
        self.lru.remove(&(seq, first));
        self.index.remove(&(e.file, first));
    }

    /// Make pages `[first, end)` of `file`, not resident, the most recently used.
    fn push_back(&mut self, file: u32, first: u64, end: u64) {
        if let Some((&at, last)) = self.lru.last_key_value() {
            if last.file == file && last.end as u64 == first {
                let end = page32(end);
                self.lru.insert(at, Run { end, ..*last });
                return;
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert(seq, Extent { file, first, end });
    }

    /// Take pages `[a, b)` of `file` out of the extents holding them (the rest of each stays
    /// where it was in LRU order); the resident runs taken, in page order.
    fn cut(&mut self, file: u32, a: u64, b: u64) -> Vec<(u64, u64)> {
        let (a32, b32) = (page32(a), page32(b.max(a + 1)));
        let before = (self.index.range(..=(file, a32)).next_back())
            .filter(|(&(f, _), _)| f == file)
            .map(|(&(_, first), &seq)| (first as u64, seq));
        let within = (self.index.range((file, a32 + 1)..(file, b32)))
            .map(|(&(_, first), &seq)| (first as u64, seq));
        let holding: Vec<(u64, u64)> = before.into_iter().chain(within).collect();
        let mut runs = vec![];
        for (first, seq) in holding {
            let e = self.get(seq, first);
            let (lo, hi) = (e.first.max(a), e.end.min(b));
            if lo >= hi {
                continue;
            }
            if e.first < lo {
                // The part before the cut keeps its keys: shorten it in place (an append
                // cutting the partial last page of its file's newest extent, most often).
                self.lru.get_mut(&(seq, page32(first))).expect("listed").end = page32(lo);
            } else {
                self.remove(seq, e);
            }
            if hi < e.end {
                self.insert(seq, Extent { first: hi, ..e });
            }
            runs.push((lo, hi));
        }
        runs
    }

    /// Touch pages `[a, b)` of `file` in ascending order: they become the most recently used,
    /// and the cache evicts what it must. The runs that were resident, in page order.
    fn touch(&mut self, file: u32, a: u64, b: u64) -> Vec<(u64, u64)> {
        let runs = self.cut(file, a, b);
        let was: u64 = runs.iter().map(|(lo, hi)| hi - lo).sum();
        self.push_back(file, a, b);
        self.resident += (b - a) - was;
        if was < b - a {
            self.evict();
        }
        runs
    }

    /// The dirty pages of the file with handle `file`, `[first, end)` (empty when it has none).
    fn dirty_pages(&self, file: u32) -> (u64, u64) {
        match self.files.get(&self.ids[file as usize]) {
            Some(f) if f.written > f.flushed => (
                f.flushed / self.page_bytes,
                f.written.div_ceil(self.page_bytes),
            ),
            _ => (0, 0),
        }
    }

    /// While over capacity, least recently used first: drop clean pages and move dirty ones
    /// (pinned until written back) to the back, each page looked at once at most.
    fn evict(&mut self) {
        let mut tries = self.resident;
        while self.resident > self.capacity_pages && tries > 0 {
            let (&at, &run) = self.lru.first_key_value().expect("pages are resident");
            let (seq, e) = (at.0, Self::extent(at, run));
            let (dlo, dhi) = self.dirty_pages(e.file);
            self.remove(seq, e);
            let rest = if dlo <= e.first && e.first < dhi {
                // Dirty pages at the front: to the back, as the most recently used.
                let k = (dhi.min(e.end) - e.first).min(tries);
                tries -= k;
                self.push_back(e.file, e.first, e.first + k);
                e.first + k
            } else {
                // Clean pages at the front, up to the first dirty one: evict what is needed.
                let clean_to = if e.first < dlo && dlo < dhi {
                    dlo.min(e.end)
                } else {
                    e.end
                };
                let k = (clean_to - e.first)
                    .min(self.resident - self.capacity_pages)
                    .min(tries);
                self.resident -= k;
                tries -= k;
                e.first + k
            };
            if rest < e.end {
                self.insert(seq, Extent { first: rest, ..e });
            }
        }
    }

    fn page_range(&self, offset: u64, bytes: u64) -> (u64, u64) {
        (
            offset / self.page_bytes,
            (offset + bytes).div_ceil(self.page_bytes),
        )
    }

    /// Append `bytes` at `offset` (the file's end) of `file`, which lives on disk `disk`, at
    /// `now`: the pages become resident and dirty.
    pub fn append(&mut self, now: Nanos, file: u64, disk: u32, offset: u64, bytes: u64) {
        let f = self.files.entry(file).or_default();
        f.disk = disk;
        debug_assert!(offset >= f.written, "page cache files are append-only");
        f.written = offset + bytes;
        f.dirty_log.push_back((now, offset + bytes));
        self.dirty_bytes += bytes;
        let (a, b) = self.page_range(offset, bytes);
        if a < b {
            let h = self.handle(file);
            self.touch(h, a, b);
        }
    }

    /// Cut `file` back to `offset` bytes (a follower truncating its log): dirty data beyond it
    /// will never be written. Resident pages stay until evicted.
    pub fn truncate(&mut self, file: u64, offset: u64) {
        let Some(f) = self.files.get_mut(&file) else {
            return;
        };
        if offset >= f.written {
            return;
        }
        let dirty_before = f.written - f.flushed;
        f.written = offset;
        f.flushed = f.flushed.min(offset);
        self.dirty_bytes -= dirty_before - (f.written - f.flushed);
        for (_, end) in f.dirty_log.iter_mut() {
            *end = (*end).min(offset);
        }
        f.dirty_log.retain(|&(_, end)| end > f.flushed);
    }

    /// Delete `file` (a log segment removed by retention): its dirty data will never be
    /// written and its pages leave the cache at once.
    pub fn delete(&mut self, file: u64) {
        if let Some(f) = self.files.remove(&file) {
            self.dirty_bytes -= f.written - f.flushed;
        }
        let Some(h) = self.handles.remove(&file) else {
            return;
        };
        let held: Vec<(u64, u64)> = (self.index.range((h, 0)..=(h, u32::MAX)))
            .map(|(&(_, first), &seq)| (first as u64, seq))
            .collect();
        for (first, seq) in held {
            let e = self.get(seq, first);
            self.remove(seq, e);
            self.resident -= e.end - e.first;
        }
    }

    /// Read `bytes` at `offset` of `file`: which bytes were in memory, which must come from disk.
    pub fn read(&mut self, file: u64, offset: u64, bytes: u64) -> ReadOutcome {
        let mut out = ReadOutcome::default();
        let end = offset + bytes;
        let (a, b) = self.page_range(offset, bytes);
        if a >= b {
            return out;
        }
        let pb = self.page_bytes;
        let clip = |lo: u64, hi: u64| ((lo * pb).max(offset), (hi * pb).min(end));
        let mut next = a; // first page not yet accounted for
        let h = self.handle(file);
        for (lo, hi) in self.touch(h, a, b) {
            if next < lo {
                let (x, y) = clip(next, lo);
                out.misses.push((x, y - x));
            }
            let (x, y) = clip(lo, hi);
            out.hit_bytes += y - x;
            next = hi;
        }
        if next < b {
            let (x, y) = clip(next, b);
            out.misses.push((x, y - x));
        }
        self.hit_bytes += out.hit_bytes;
        self.miss_bytes += bytes - out.hit_bytes;
        out
    }

    /// Dirty ranges due for write-back at `now` (expired, or over the background limit, or all
    /// when `sync`), marked clean; the caller writes them to disk.
    pub fn writeback(&mut self, now: Nanos, sync: bool) -> Vec<(u64, u64, u64)> {
        let mut out = Vec::new();
        let over = self.dirty_bytes > self.dirty_background_bytes;
        for (&file, f) in self.files.iter_mut() {
            let mut upto = f.flushed;
            while let Some(&(t, end)) = f.dirty_log.front() {
                if sync || over || now.saturating_sub(t) >= self.dirty_expire_ns {
                    upto = end;
                    f.dirty_log.pop_front();
                } else {
                    break;
                }
            }
            if upto > f.flushed {
                out.push((file, f.flushed, upto - f.flushed));
                self.dirty_bytes -= upto - f.flushed;
                f.flushed = upto;
            }
        }
        out
    }

    /// Every dirty byte of `file` (fsync), marked clean: `(offset, length)`, if any.
    pub fn writeback_file(&mut self, file: u64) -> Option<(u64, u64)> {
        let f = self.files.get_mut(&file)?;
        let len = f.written - f.flushed;
        if len == 0 {
            return None;
        }
        let off = f.flushed;
        f.flushed = f.written;
        f.dirty_log.clear();
        self.dirty_bytes -= len;
        Some((off, len))
    }

    /// The disk `file` lives on (0 for a file never written).
    pub fn disk_of(&self, file: u64) -> u32 {
        self.files.get(&file).map_or(0, |f| f.disk)
    }

    /// Drop every clean page (`echo 1 > /proc/sys/vm/drop_caches`).
    pub fn drop_clean(&mut self) {
        let all: Vec<((u64, u32), Run)> = std::mem::take(&mut self.lru).into_iter().collect();
        self.index.clear();
        self.resident = 0;
        for (at, run) in all {
            let (seq, e) = (at.0, Self::extent(at, run));
            let (dlo, dhi) = self.dirty_pages(e.file);
            let (lo, hi) = (dlo.max(e.first), dhi.min(e.end));
            if lo < hi {
                self.insert(
                    seq,
                    Extent {
                        first: lo,
                        end: hi,
                        ..e
                    },
                );
                self.resident += hi - lo;
            }
        }
    }

    /// Page size, bytes.
    pub fn page_bytes(&self) -> u64 {
        self.page_bytes
    }

    /// Bytes dirty now.
    pub fn dirty_bytes(&self) -> u64 {
        self.dirty_bytes
    }

    /// Bytes read that were resident.
    pub fn hit_bytes(&self) -> u64 {
        self.hit_bytes
    }

    /// Bytes read that were not resident.
    pub fn miss_bytes(&self) -> u64 {
        self.miss_bytes
    }

    /// Pages resident now.
    pub fn resident_pages(&self) -> u64 {
        self.resident
    }

    /// Extents held now (the bookkeeping's size).
    pub fn extents(&self) -> usize {
        self.lru.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The per-page model: a stamp per page, evicting after each access. The extent model
    /// must give exactly its results.
    struct Reference {
        page_bytes: u64,
        capacity_pages: u64,
        lru: BTreeMap<u64, (u64, u64)>,
        pages: BTreeMap<(u64, u64), u64>,
        next_stamp: u64,
        /// file → (flushed, written).
        files: BTreeMap<u64, (u64, u64)>,
    }

    impl Reference {
        fn new(capacity_pages: u64, page_bytes: u64) -> Self {
            Reference {
                page_bytes,
                capacity_pages,
                lru: BTreeMap::new(),
                pages: BTreeMap::new(),
                next_stamp: 0,
                files: BTreeMap::new(),
            }
        }

        fn is_dirty(&self, (file, page): (u64, u64)) -> bool {
            self.files.get(&file).is_some_and(|&(flushed, written)| {
                flushed < written
                    && (page + 1) * self.page_bytes > flushed
                    && page * self.page_bytes < written
            })
        }

        fn stamp(&mut self, key: (u64, u64)) -> bool {
            let s = self.next_stamp;
            self.next_stamp += 1;
            let old = self.pages.insert(key, s);
            if let Some(old) = old {
                self.lru.remove(&old);
            }
            self.lru.insert(s, key);
            old.is_some()
        }

        /// Hit flags of pages [a, b).
        fn touch(&mut self, file: u64, a: u64, b: u64) -> Vec<bool> {
            let hits: Vec<bool> = (a..b).map(|p| self.stamp((file, p))).collect();
            if hits.iter().any(|h| !h) {
                let mut tries = self.lru.len();
                while self.pages.len() as u64 > self.capacity_pages && tries > 0 {
                    tries -= 1;
                    let (&stamp, &key) = self.lru.iter().next().unwrap();
                    self.lru.remove(&stamp);
                    self.pages.remove(&key);
                    if self.is_dirty(key) {
                        self.stamp(key);
                    }
                }
            }
            hits
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Append {
            file: u64,
            bytes: u64,
        },
        Read {
            file: u64,
            from_permille: u64,
            bytes: u64,
        },
        Writeback,
        Fsync {
            file: u64,
        },
        Delete {
            file: u64,
        },
        Truncate {
            file: u64,
            to_permille: u64,
        },
        DropClean,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..4u64, 1..20_000u64).prop_map(|(file, bytes)| Op::Append { file, bytes }),
            4 => (0..4u64, 0..1000u64, 1..30_000u64)
                .prop_map(|(file, from_permille, bytes)| Op::Read { file, from_permille, bytes }),
            1 => Just(Op::Writeback),
            1 => (0..4u64).prop_map(|file| Op::Fsync { file }),
            1 => (0..4u64).prop_map(|file| Op::Delete { file }),
            1 => (0..4u64, 0..1000u64).prop_map(|(file, to_permille)| Op::Truncate { file, to_permille }),
            1 => Just(Op::DropClean),
        ]
    }

    proptest! {
        #[test]
        fn extents_give_the_per_page_results(
            ops in proptest::collection::vec(op(), 1..120),
            page_bytes in prop_oneof![Just(512u64), Just(4096), Just(65536)],
            capacity_pages in 1..64u64,
        ) {
            let mut c = PageCache::new(capacity_pages * page_bytes, page_bytes, u64::MAX, u64::MAX);
            let mut r = Reference::new(capacity_pages, page_bytes);
            for (i, op) in ops.iter().enumerate() {
                match *op {
                    Op::Append { file, bytes } => {
                        let at = r.files.get(&file).map_or(0, |f| f.1);
                        c.append(0, file, 0, at, bytes);
                        let f = r.files.entry(file).or_default();
                        f.1 = at + bytes;
                        r.touch(file, at / page_bytes, (at + bytes).div_ceil(page_bytes));
                    }
                    Op::Read { file, from_permille, bytes } => {
                        let written = r.files.get(&file).map_or(0, |f| f.1);
                        let at = written * from_permille / 1000;
                        let got = c.read(file, at, bytes);
                        let (a, b) = (at / page_bytes, (at + bytes).div_ceil(page_bytes));
                        let hits = r.touch(file, a, b);
                        let mut want = ReadOutcome::default();
                        for (k, hit) in hits.into_iter().enumerate() {
                            let p = a + k as u64;
                            let (lo, hi) = ((p * page_bytes).max(at), ((p + 1) * page_bytes).min(at + bytes));
                            if hit {
                                want.hit_bytes += hi - lo;
                            } else {
                                match want.misses.last_mut() {
                                    Some((o, l)) if *o + *l == lo => *l += hi - lo,
                                    _ => want.misses.push((lo, hi - lo)),
                                }
                            }
                        }
                        prop_assert_eq!(got, want, "op {} {:?}", i, op);
                    }
                    Op::Writeback => {
                        c.writeback(0, true);
                        for f in r.files.values_mut() {
                            f.0 = f.1;
                        }
                    }
                    Op::Fsync { file } => {
                        c.writeback_file(file);
                        if let Some(f) = r.files.get_mut(&file) {
                            f.0 = f.1;
                        }
                    }
                    Op::Delete { file } => {
                        c.delete(file);
                        r.files.remove(&file);
                        let gone: Vec<((u64, u64), u64)> =
                            r.pages.range((file, 0)..=(file, u64::MAX)).map(|(&k, &s)| (k, s)).collect();
                        for (k, s) in gone {
                            r.pages.remove(&k);
                            r.lru.remove(&s);
                        }
                    }
                    Op::Truncate { file, to_permille } => {
                        if let Some(f) = r.files.get_mut(&file) {
                            let to = f.1 * to_permille / 1000;
                            c.truncate(file, to);
                            f.1 = f.1.min(to);
                            f.0 = f.0.min(to);
                        }
                    }
                    Op::DropClean => {
                        c.drop_clean();
                        let keep: Vec<(u64, (u64, u64))> =
                            r.lru.iter().filter(|(_, &k)| r.is_dirty(k)).map(|(&s, &k)| (s, k)).collect();
                        r.lru = keep.iter().copied().collect();
                        r.pages = keep.into_iter().map(|(s, k)| (k, s)).collect();
                    }
                }
                prop_assert_eq!(c.resident_pages(), r.pages.len() as u64, "op {} {:?}", i, op);
                // The LRU order itself, page by page.
                let order: Vec<(u64, u64)> = c
                    .lru
                    .iter()
                    .flat_map(|(&at, &run)| {
                        let e = PageCache::extent(at, run);
                        let id = c.ids[e.file as usize];
                        (e.first..e.end).map(move |p| (id, p))
                    })
                    .collect();
                let want: Vec<(u64, u64)> = r.lru.values().copied().collect();
                prop_assert_eq!(order, want, "op {} {:?}", i, op);
            }
        }
    }

    #[test]
    fn a_log_appended_in_pieces_is_one_extent_at_any_page_size() {
        for page_bytes in [4096, 1 << 20] {
            let mut c = PageCache::new(1 << 30, page_bytes, u64::MAX, u64::MAX);
            for k in 0..10_000u64 {
                c.append(0, 7, 0, k * 1000, 1000);
            }
            assert_eq!(c.extents(), 1, "page {page_bytes}");
            assert_eq!(c.resident_pages(), 10_000_000u64.div_ceil(page_bytes));
        }
    }

    fn cache(pages: u64) -> PageCache {
        PageCache::new(pages * 4096, 4096, 30_000_000_000, u64::MAX)
    }

    #[test]
    fn appended_data_is_read_from_memory() {
        let mut c = cache(100);
        c.append(0, 1, 0, 0, 10_000);
        let r = c.read(1, 0, 10_000);
        assert_eq!(
            r,
            ReadOutcome {
                hit_bytes: 10_000,
                misses: vec![]
            }
        );
    }

    #[test]
    fn lru_evicts_clean_pages_only() {
        let mut c = cache(4);
        c.append(0, 1, 0, 0, 4 * 4096);
        assert_eq!(c.dirty_bytes(), 4 * 4096);
        c.append(0, 2, 0, 0, 4096); // over capacity, but every page is dirty: nothing can go
        assert_eq!(c.resident_pages(), 5);
        let wb = c.writeback(0, true);
        assert_eq!(wb, vec![(1, 0, 4 * 4096), (2, 0, 4096)]);
        c.append(1, 3, 0, 0, 4096); // now the least recently used clean page goes
        assert_eq!(c.resident_pages(), 4);
        let r = c.read(1, 0, 4096);
        assert_eq!(
            r.misses,
            vec![(0, 4096)],
            "page 0 of file 1 was the LRU page"
        );
    }

    #[test]
    fn writeback_waits_for_expiry_unless_over_the_background_limit() {
        let mut c = cache(100);
        c.append(0, 1, 0, 0, 100);
        assert!(c.writeback(29_000_000_000, false).is_empty());
        assert_eq!(c.writeback(30_000_000_000, false), vec![(1, 0, 100)]);
        let mut c = PageCache::new(100 * 4096, 4096, 30_000_000_000, 50);
        c.append(0, 1, 0, 0, 100);
        assert_eq!(c.writeback(1, false), vec![(1, 0, 100)]);
    }

    #[test]
    fn truncation_forgets_dirty_data_beyond_the_cut() {
        let mut c = cache(100);
        c.append(0, 1, 0, 0, 10_000);
        c.truncate(1, 4_000);
        assert_eq!(c.dirty_bytes(), 4_000);
        c.append(1, 1, 0, 4_000, 1_000);
        assert_eq!(c.writeback(0, true), vec![(1, 0, 5_000)]);
        assert_eq!(c.dirty_bytes(), 0);
    }

    #[test]
    fn drop_clean_makes_reads_miss() {
        let mut c = cache(100);
        c.append(0, 1, 0, 0, 8192);
        c.writeback(0, true);
        c.drop_clean();
        let r = c.read(1, 100, 8000);
        assert_eq!(r.hit_bytes, 0);
        assert_eq!(r.misses, vec![(100, 8000)]);
        assert_eq!(c.miss_bytes(), 8000);
    }
}
