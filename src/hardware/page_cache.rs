//! The operating system's page cache for append-only log files.
//!
//! Model: `capacity_pages` pages of `page_bytes`, least-recently-used eviction. An append makes
//! its pages resident and dirty; dirty pages cannot be evicted until written back. Write-back
//! follows Linux's defaults: a page dirty for longer than `dirty_expire_ns` (30 s), or dirty data
//! above `dirty_background_bytes` (10% of memory), is handed to the disk by [`PageCache::writeback`].
//! A read is a hit for each resident page and a miss (to be read from disk, then resident) for
//! the others. Files are append-only, so each file's dirty data is the range
//! `[flushed, written)` at its tail.

use crate::engine::Nanos;
use std::collections::{BTreeMap, HashMap, VecDeque};

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

/// The page cache of one host.
#[derive(Clone, Debug)]
pub struct PageCache {
    page_bytes: u64,
    capacity_pages: u64,
    dirty_expire_ns: Nanos,
    dirty_background_bytes: u64,
    /// LRU order: stamp → page. Lowest stamp is least recently used.
    lru: BTreeMap<u64, (u64, u64)>,
    /// page → stamp. Looked up only, never iterated, so its order cannot leak.
    pages: HashMap<(u64, u64), u64>,
    next_stamp: u64,
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
            pages: HashMap::new(),
            next_stamp: 0,
            files: BTreeMap::new(),
            dirty_bytes: 0,
            hit_bytes: 0,
            miss_bytes: 0,
        }
    }

    fn touch(&mut self, key: (u64, u64)) -> bool {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        let hit = match self.pages.insert(key, stamp) {
            Some(old) => {
                self.lru.remove(&old);
                true
            }
            None => false,
        };
        self.lru.insert(stamp, key);
        if !hit {
            self.evict();
        }
        hit
    }

    fn is_dirty(&self, (file, page): (u64, u64)) -> bool {
        self.files.get(&file).is_some_and(|f| {
            (page + 1) * self.page_bytes > f.flushed && page * self.page_bytes < f.written
        })
    }

    fn evict(&mut self) {
        let mut tries = self.lru.len();
        while self.pages.len() as u64 > self.capacity_pages && tries > 0 {
            tries -= 1;
            let (&stamp, &key) = self.lru.iter().next().expect("non-empty");
            self.lru.remove(&stamp);
            if self.is_dirty(key) {
                // Pinned until written back: make it recent and look further.
                let s = self.next_stamp;
                self.next_stamp += 1;
                self.lru.insert(s, key);
                self.pages.insert(key, s);
            } else {
                self.pages.remove(&key);
            }
        }
    }

    fn page_range(&self, offset: u64, bytes: u64) -> std::ops::Range<u64> {
        offset / self.page_bytes..(offset + bytes).div_ceil(self.page_bytes)
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
        for p in self.page_range(offset, bytes) {
            self.touch((file, p));
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
        let Some(f) = self.files.remove(&file) else {
            return;
        };
        self.dirty_bytes -= f.written - f.flushed;
        for page in 0..f.written.div_ceil(self.page_bytes) {
            if let Some(stamp) = self.pages.remove(&(file, page)) {
                self.lru.remove(&stamp);
            }
        }
    }

    /// Read `bytes` at `offset` of `file`: which bytes were in memory, which must come from disk.
    pub fn read(&mut self, file: u64, offset: u64, bytes: u64) -> ReadOutcome {
        let mut out = ReadOutcome::default();
        let end = offset + bytes;
        for p in self.page_range(offset, bytes) {
            let lo = (p * self.page_bytes).max(offset);
            let hi = ((p + 1) * self.page_bytes).min(end);
            if self.touch((file, p)) {
                out.hit_bytes += hi - lo;
            } else {
                match out.misses.last_mut() {
                    Some((o, l)) if *o + *l == lo => *l += hi - lo,
                    _ => out.misses.push((lo, hi - lo)),
                }
            }
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
        let keep: Vec<(u64, (u64, u64))> = self
            .lru
            .iter()
            .filter(|(_, &k)| self.is_dirty(k))
            .map(|(&s, &k)| (s, k))
            .collect();
        self.lru = keep.iter().copied().collect();
        self.pages = keep.into_iter().map(|(s, k)| (k, s)).collect();
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
        self.pages.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
