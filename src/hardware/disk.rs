//! A disk: one queue, FIFO, with a positioning delay when an access does not continue the
//! previous one, an I/O-operations budget and a cache-flush command.
//!
//! Model: an access of `b` bytes at (`file`, `offset`) submitted at `t` starts at
//! `s = max(t, free_at)` and ends at `s + seek + max(b / bandwidth, ops / iops)`, where `seek`
//! is paid only when the access does not continue the previous one (same file, starting at most
//! [`SEQUENTIAL_GAP_BYTES`] after its end: what Linux readahead and the drive's cache absorb)
//! and `ops = ⌈b / 256 KiB⌉` (the block layer merges contiguous pages into requests of up to
//! `max_sectors_kb` = 256 KiB on most devices; cloud volumes count IOPS in such requests). A
//! [`flush`](Disk::flush) (what fsync sends after writing the file's dirty pages: a FLUSH
//! CACHE / FUA) occupies the queue for the profile's `flush_ns`.
//! A failing or contended device can be slowed down for a while ([`Disk::slow_down`]): every
//! access started before the given time takes `factor` times longer.

use crate::engine::time::{transfer_ns, Nanos, MS, US};

/// A forward gap this small within one file costs no seek (readahead window, 128 KiB).
pub const SEQUENTIAL_GAP_BYTES: u64 = 128 * 1024;

/// Bytes the block layer merges into one request (`max_sectors_kb` = 256 KiB).
pub const REQUEST_BYTES: u64 = 256 * 1024;

/// Performance figures of a class of device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DiskProfile {
    /// Positioning time for a non-contiguous access, ns.
    pub seek_ns: Nanos,
    /// Sequential read bandwidth, bytes/s.
    pub read_bytes_per_s: u64,
    /// Sequential write bandwidth, bytes/s.
    pub write_bytes_per_s: u64,
    /// Requests per second the device (or the volume's provisioning) allows; 0 = no limit
    /// beyond bandwidth and seek.
    pub iops: u64,
    /// Time a cache flush (the fsync barrier) occupies the device, ns.
    pub flush_ns: Nanos,
}

impl DiskProfile {
    /// A 7200 rpm hard disk: ~8 ms average seek + rotation, ~160 MB/s sequential; a cache
    /// flush waits about one rotation (8.3 ms at 7200 rpm).
    pub const HDD: Self = Self {
        seek_ns: 8 * MS,
        read_bytes_per_s: 160_000_000,
        write_bytes_per_s: 150_000_000,
        iops: 0,
        flush_ns: 8_300 * US,
    };
    /// A SATA SSD: ~80 µs per random access, ~520 MB/s; a flush of its volatile cache ~1 ms.
    pub const SSD: Self = Self {
        seek_ns: 80 * US,
        read_bytes_per_s: 520_000_000,
        write_bytes_per_s: 480_000_000,
        iops: 0,
        flush_ns: MS,
    };
    /// An NVMe SSD: ~20 µs per random access, ~3 GB/s; a consumer drive without power-loss
    /// protection flushes in ~300 µs.
    pub const NVME: Self = Self {
        seek_ns: 20 * US,
        read_bytes_per_s: 3_000_000_000,
        write_bytes_per_s: 2_000_000_000,
        iops: 0,
        flush_ns: 300 * US,
    };

    /// An AWS gp3 volume provisioned at `mb_s` MB/s (125 baseline, up to 1000) and `iops`
    /// (3000 baseline, up to 16,000): every request crosses the network (~0.5 ms when it cannot
    /// be pipelined), and a flush is a round trip (~1 ms).
    pub const fn gp3(mb_s: u64, iops: u64) -> Self {
        Self {
            seek_ns: 500 * US,
            read_bytes_per_s: mb_s * 1_000_000,
            write_bytes_per_s: mb_s * 1_000_000,
            iops,
            flush_ns: MS,
        }
    }

    /// Profile names, as `host.disk` accepts them.
    pub const NAMES: &'static [&'static str] =
        &["hdd", "ssd", "nvme", "gp3", "gp3-250", "gp3-1000"];

    /// The profile of one of [`NAMES`](Self::NAMES).
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "hdd" => Some(Self::HDD),
            "ssd" => Some(Self::SSD),
            "nvme" => Some(Self::NVME),
            "gp3" => Some(Self::gp3(125, 3000)),
            "gp3-250" => Some(Self::gp3(250, 6000)),
            "gp3-1000" => Some(Self::gp3(1000, 16_000)),
            _ => None,
        }
    }
}

/// One disk.
#[derive(Clone, Debug)]
pub struct Disk {
    profile: DiskProfile,
    free_at_ns: Nanos,
    head: Option<(u64, u64)>,
    busy_ns: u64,
    read_bytes: u64,
    written_bytes: u64,
    flushes: u64,
    /// (slowdown in thousandths, until when).
    slow: (u64, Nanos),
    /// Accesses not known to be finished: (start, done, bytes, write), in order.
    pending: std::collections::VecDeque<(Nanos, Nanos, u64, bool)>,
    /// Bytes of the accesses finished so far: (read, written).
    finished: (u64, u64),
}

impl Disk {
    /// An idle disk of the given profile.
    pub fn new(profile: DiskProfile) -> Self {
        Self {
            profile,
            free_at_ns: 0,
            head: None,
            busy_ns: 0,
            read_bytes: 0,
            written_bytes: 0,
            flushes: 0,
            slow: (1000, 0),
            pending: std::collections::VecDeque::new(),
            finished: (0, 0),
        }
    }

    /// Read or write `bytes` at byte `offset` of `file`, submitted at `now`; returns completion.
    pub fn access(&mut self, now: Nanos, file: u64, offset: u64, bytes: u64, write: bool) -> Nanos {
        let sequential = matches!(self.head, Some((f, end)) if f == file && offset >= end && offset - end <= SEQUENTIAL_GAP_BYTES);
        let seek = if sequential { 0 } else { self.profile.seek_ns };
        let bw = if write {
            self.profile.write_bytes_per_s
        } else {
            self.profile.read_bytes_per_s
        };
        let mut work = seek + transfer_ns(bytes, bw);
        if self.profile.iops > 0 {
            let ops = bytes.div_ceil(REQUEST_BYTES).max(1);
            work = work.max(seek + transfer_ns(ops, self.profile.iops));
        }
        let start = self.free_at_ns.max(now);
        if start < self.slow.1 {
            work = work.saturating_mul(self.slow.0) / 1000;
        }
        let done = start + work;
        self.free_at_ns = done;
        self.settle(now);
        self.pending.push_back((start, done, bytes, write));
        self.head = Some((file, offset + bytes));
        self.busy_ns += work;
        if write {
            self.written_bytes += bytes;
        } else {
            self.read_bytes += bytes;
        }
        done
    }

    /// A cache flush submitted at `now` (queued behind every access before it); returns its
    /// completion.
    pub fn flush(&mut self, now: Nanos) -> Nanos {
        let start = self.free_at_ns.max(now);
        self.free_at_ns = start + self.profile.flush_ns;
        self.busy_ns += self.profile.flush_ns;
        self.flushes += 1;
        self.free_at_ns
    }

    /// Cache flushes so far.
    pub fn flushes(&self) -> u64 {
        self.flushes
    }

    /// The device's figures.
    pub fn profile(&self) -> &DiskProfile {
        &self.profile
    }

    /// Until `until`, every access takes `factor_permille / 1000` times longer.
    pub fn slow_down(&mut self, factor_permille: u64, until: Nanos) {
        self.slow = (factor_permille.max(1000), until);
    }

    /// Time the head was busy, ns.
    pub fn busy_ns(&self) -> u64 {
        self.busy_ns
    }

    /// Busy time served by `now` (the queue reserved beyond `now` not counted), ns.
    pub fn busy_ns_at(&self, now: Nanos) -> u64 {
        self.busy_ns
            .saturating_sub(self.free_at_ns.saturating_sub(now))
    }

    /// Bytes moved by `now`: (read, written), counting the access under way in proportion to
    /// its progress, so a rate over an interval is what the device did in it (not what was
    /// queued). Forgets the accesses finished by `now`: ask with non-decreasing times.
    pub fn moved_bytes_at(&mut self, now: Nanos) -> (u64, u64) {
        self.settle(now);
        let mut out = self.finished;
        if let Some(&(start, done, bytes, write)) = self.pending.front() {
            if start < now {
                let part = bytes as u128 * (now - start) as u128 / (done - start) as u128;
                add_moved(&mut out, part as u64, write);
            }
        }
        out
    }

    /// Count the accesses finished by `now` as moved (so `pending` holds only the queue).
    fn settle(&mut self, now: Nanos) {
        while let Some(&(_, done, bytes, write)) = self.pending.front() {
            if done > now {
                break;
            }
            add_moved(&mut self.finished, bytes, write);
            self.pending.pop_front();
        }
    }

    /// Bytes read from the device (submitted).
    pub fn read_bytes(&self) -> u64 {
        self.read_bytes
    }

    /// Bytes written to the device (submitted).
    pub fn written_bytes(&self) -> u64 {
        self.written_bytes
    }
}

/// Add `bytes` to the read or the written count of `to`.
fn add_moved(to: &mut (u64, u64), bytes: u64, write: bool) {
    if write {
        to.1 += bytes;
    } else {
        to.0 += bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn sequential_access_skips_the_seek() {
        let mut d = Disk::new(DiskProfile::HDD);
        let a = d.access(0, 1, 0, 160_000, false);
        assert_eq!(a, 8 * MS + MS);
        let b = d.access(0, 1, 160_000, 160_000, false);
        assert_eq!(b, a + MS, "contiguous read pays no seek");
        let c = d.access(0, 2, 0, 160_000, false);
        assert_eq!(c, b + 9 * MS, "another file seeks");
        let e = d.access(0, 2, 160_000 + 4096, 160_000, false);
        assert_eq!(e, c + MS, "a small forward gap is absorbed by readahead");
        assert_eq!(d.read_bytes(), 640_000);
    }

    #[test]
    fn a_slowed_disk_takes_longer_until_it_recovers() {
        let mut d = Disk::new(DiskProfile::HDD);
        d.slow_down(10_000, 100 * MS);
        let a = d.access(0, 1, 0, 160_000, false);
        assert_eq!(a, 90 * MS, "ten times the 9 ms");
        let b = d.access(200 * MS, 2, 0, 160_000, false);
        assert_eq!(b, 209 * MS, "back to normal");
    }

    #[test]
    fn iops_bound_small_requests_and_flushes_queue() {
        let mut d = Disk::new(DiskProfile::gp3(125, 3000));
        // 4 KiB contiguous writes: bandwidth says 33 µs, the 3000 IOPS budget 333 µs each.
        let a = d.access(0, 1, 0, 4096, true);
        assert_eq!(a, 500 * US + 333_334);
        let b = d.access(0, 1, 4096, 4096, true);
        assert_eq!(
            b - a,
            333_334,
            "sequential, still one request of the budget"
        );
        let f = d.flush(0);
        assert_eq!(f, b + MS, "the flush waits behind the writes");
        assert_eq!(d.flushes(), 1);
    }
}
