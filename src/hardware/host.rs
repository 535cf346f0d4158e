//! One machine: cores, a page cache, one or more disks, a full-duplex NIC and a loopback
//! device. This is the narrow interface the Kafka model uses for storage: [`Host::write`]
//! (a `write()` into the page cache, throttled as Linux throttles dirtiers), [`Host::fsync`],
//! [`Host::read`], and the flusher's periodic [`Host::flush_expired`].
//!
//! ## Write-back and dirty throttling (Linux `mm/page-writeback.c`)
//! Dirty data counts pages dirty in the cache plus pages under write-back (the kernel's
//! `NR_FILE_DIRTY + NR_WRITEBACK`). Above the background threshold (`vm.dirty_background_*`)
//! the flusher hands dirty pages to the disks at once, in requests of at most
//! [`WRITEBACK_CHUNK_BYTES`]; pages stop counting when their disk write completes. A writer
//! (`balance_dirty_pages`) runs free below `freerun = (background + limit) / 2`; above it, its
//! dirtying rate is held to `write_bw · pos_ratio`, with the kernel's cubic control line
//!
//! ```text
//! setpoint  = (freerun + limit) / 2
//! pos_ratio = 1 + ((setpoint − dirty) / (limit − setpoint))³     (2 at freerun, 1 at
//!                                                                 setpoint, 0 at limit)
//! ```
//!
//! where `write_bw` is the host's disks' write bandwidth (the kernel estimates it; a disk
//! slower than its estimate lets dirty data grow, lowering `pos_ratio` until the rates match,
//! as in the kernel). One pause is at most `MAX_PAUSE` = 200 ms; at the hard limit
//! (`vm.dirty_ratio`/`vm.dirty_bytes`) the writer waits until write-back brings dirty data
//! below it. Simplifications: one throttle per host (the kernel's global domain; no per-device
//! or per-cgroup share), and the flusher writes everything dirty once over the background
//! threshold rather than stopping just under it.

use super::disk::{Disk, DiskProfile};
use super::link::Link;
use super::nic::Nic;
use super::page_cache::PageCache;
use super::Cpu;
use crate::engine::time::{transfer_ns, MS};
use crate::engine::Nanos;
use std::collections::BTreeMap;

/// Largest request the flusher hands a disk at once (`MAX_WRITEBACK_PAGES` = 1024 pages).
pub const WRITEBACK_CHUNK_BYTES: u64 = 4 << 20;
/// Longest single `balance_dirty_pages` pause (`MAX_PAUSE` = HZ/5).
pub const MAX_PAUSE_NS: Nanos = 200 * MS;

/// The page cache's dirty-data limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirtyLimits {
    /// Dirty data above which background write-back starts, bytes.
    pub background_bytes: u64,
    /// Dirty data at which writers block, bytes (≥ `background_bytes`).
    pub limit_bytes: u64,
    /// Age at which dirty data is written back by the periodic flusher, ns.
    pub expire_ns: Nanos,
}

/// What a host is made of.
#[derive(Clone, Debug)]
pub struct HostSpec {
    /// CPU cores.
    pub cores: u32,
    /// CFS quota of the host's processes, thousandths of a core; 0 = none.
    pub cpu_quota_milli: u64,
    /// CPU its processes use on their own whatever the load, thousandths of a core: taken from
    /// the cores or the quota.
    pub cpu_background_milli: u64,
    /// Memory the page cache may use, bytes.
    pub page_cache_bytes: u64,
    /// Page size, bytes.
    pub page_bytes: u64,
    /// Each disk's figures (one entry per disk).
    pub disks: Vec<DiskProfile>,
    /// Dirty limits.
    pub dirty: DirtyLimits,
    /// NIC line rate each way, bytes/s.
    pub nic_bytes_per_s: u64,
    /// Loopback bandwidth, bytes/s, and one-way latency, ns.
    pub loopback: (u64, Nanos),
}

/// One machine.
#[derive(Clone, Debug)]
pub struct Host {
    /// Its cores.
    pub cpu: Cpu,
    /// Its page cache.
    pub cache: PageCache,
    /// Its disks.
    pub disks: Vec<Disk>,
    /// Its network card.
    pub nic: Nic,
    /// Its loopback device.
    pub loopback: Link,
    dirty: DirtyLimits,
    /// Bytes under write-back by completion time.
    under_writeback: BTreeMap<Nanos, u64>,
    writeback_bytes: u64,
    /// Time the throttle's dirtying budget is spent up to.
    throttle_free_ns: Nanos,
    write_bytes_per_s: u64,
    throttled_ns: u64,
}

impl Host {
    /// An idle host.
    pub fn new(spec: &HostSpec) -> Self {
        Self {
            cpu: Cpu::with_quota(spec.cores, spec.cpu_quota_milli)
                .less_background(spec.cpu_background_milli),
            cache: PageCache::new(
                spec.page_cache_bytes,
                spec.page_bytes,
                spec.dirty.expire_ns,
                spec.dirty.background_bytes,
            ),
            write_bytes_per_s: spec.disks.iter().map(|d| d.write_bytes_per_s).sum(),
            disks: spec.disks.iter().map(|&p| Disk::new(p)).collect(),
            nic: Nic::new(spec.nic_bytes_per_s),
            loopback: Link::new(spec.loopback.0, spec.loopback.1),
            dirty: spec.dirty,
            under_writeback: BTreeMap::new(),
            writeback_bytes: 0,
            throttle_free_ns: 0,
            throttled_ns: 0,
        }
    }

    fn settle(&mut self, now: Nanos) {
        while let Some(e) = self.under_writeback.first_entry() {
            if *e.key() > now {
                break;
            }
            self.writeback_bytes -= e.remove();
        }
    }

    /// Dirty data now: dirty in the cache plus under write-back, bytes.
    pub fn dirty_bytes(&mut self, now: Nanos) -> u64 {
        self.settle(now);
        self.cache.dirty_bytes() + self.writeback_bytes
    }

    fn submit_write(&mut self, now: Nanos, file: u64, off: u64, len: u64) -> Nanos {
        let disk = self.cache.disk_of(file) as usize;
        let mut done = now;
        let mut o = off;
        while o < off + len {
            let n = (off + len - o).min(WRITEBACK_CHUNK_BYTES);
            done = self.disks[disk].access(now, file, o, n, true);
            *self.under_writeback.entry(done).or_default() += n;
            self.writeback_bytes += n;
            o += n;
        }
        done
    }

    /// The flusher: hand due dirty ranges to the disks (expired ones, everything when over the
    /// background threshold, or everything when `sync`).
    pub fn flush_expired(&mut self, now: Nanos, sync: bool) {
        self.settle(now);
        for (file, off, len) in self.cache.writeback(now, sync) {
            self.submit_write(now, file, off, len);
        }
    }

    /// A `write()` of `bytes` at `offset` (the end) of `file` on disk `disk` at `now`: the data
    /// is in the page cache at once; returns when the writer may go on (dirty throttling).
    pub fn write(&mut self, now: Nanos, file: u64, disk: u32, offset: u64, bytes: u64) -> Nanos {
        self.cache.append(now, file, disk, offset, bytes);
        let dirty = self.dirty_bytes(now);
        let DirtyLimits {
            background_bytes: bg,
            limit_bytes: limit,
            ..
        } = self.dirty;
        if dirty > bg && self.cache.dirty_bytes() >= WRITEBACK_CHUNK_BYTES.min(bg / 8 + 1) {
            self.flush_expired(now, true);
        }
        let freerun = bg / 2 + limit / 2;
        if dirty <= freerun {
            return now;
        }
        let until = if dirty >= limit {
            self.below_limit_at(now, dirty - limit + 1)
        } else {
            let setpoint = (freerun / 2 + limit / 2) as f64;
            let x = (setpoint - dirty as f64) / (limit as f64 - setpoint).max(1.0);
            let pos_ratio = (1.0 + x * x * x).clamp(1.0 / 1024.0, 2.0);
            let rate = (self.write_bytes_per_s as f64 * pos_ratio).max(1.0) as u64;
            self.throttle_free_ns = self.throttle_free_ns.max(now) + transfer_ns(bytes, rate);
            self.throttle_free_ns.min(now + MAX_PAUSE_NS)
        };
        self.throttled_ns += until - now;
        until
    }

    /// When write-back has completed `bytes` more (or `now` if nothing is under write-back).
    fn below_limit_at(&self, now: Nanos, bytes: u64) -> Nanos {
        let mut freed = 0;
        for (&t, &n) in &self.under_writeback {
            freed += n;
            if freed >= bytes {
                return t.max(now);
            }
        }
        self.under_writeback
            .last_key_value()
            .map_or(now, |(&t, _)| t.max(now))
    }

    /// `fsync(file)` at `now`: its dirty pages are written (whole pages: a page written
    /// before and dirtied again by an append is written again), then the disk's cache flushed;
    /// returns when the call returns.
    pub fn fsync(&mut self, now: Nanos, file: u64) -> Nanos {
        self.settle(now);
        let disk = self.cache.disk_of(file) as usize;
        if let Some((off, len)) = self.cache.writeback_file(file) {
            let page = self.cache.page_bytes();
            let start = off - off % page;
            let end = (off + len).div_ceil(page) * page;
            self.submit_write(now, file, start, end - start);
        }
        self.disks[disk].flush(now)
    }

    /// Read `bytes` at `offset` of `file` at `now`: returns when they are in memory (at once
    /// for resident pages; misses queue on the file's disk behind write-back).
    pub fn read(&mut self, now: Nanos, file: u64, offset: u64, bytes: u64) -> Nanos {
        let disk = self.cache.disk_of(file) as usize;
        let mut done = now;
        for (o, len) in self.cache.read(file, offset, bytes).misses {
            done = done.max(self.disks[disk].access(now, file, o, len, false));
        }
        done
    }

    /// Time writers spent throttled by dirty limits, ns.
    pub fn throttled_ns(&self) -> u64 {
        self.throttled_ns
    }

    /// Busy time of the disks, summed, ns.
    pub fn disk_busy_ns(&self) -> u64 {
        self.disks.iter().map(|d| d.busy_ns()).sum()
    }
}

/// Cumulative counters of one host at one instant (the time series keeps these; rates come
/// from differences between consecutive samples).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HostSample {
    /// When, ns.
    pub time_ns: Nanos,
    /// Host index.
    pub host: u32,
    /// CPU busy time so far, summed over cores, ns.
    pub cpu_busy_ns: u64,
    /// NIC transmit line busy so far, ns.
    pub tx_busy_ns: u64,
    /// NIC receive line busy so far, ns.
    pub rx_busy_ns: u64,
    /// Busy time of the host's busiest disk so far, ns.
    pub disk_busy_ns: u64,
    /// Dirty data now (dirty plus under write-back), bytes.
    pub dirty_bytes: u64,
    /// Bytes reads found in the page cache so far.
    pub hit_bytes: u64,
    /// Bytes reads had to fetch from disk so far.
    pub miss_bytes: u64,
    /// Bytes the disks have read so far (an access under way in proportion to its progress).
    pub disk_read_bytes: u64,
    /// Bytes the disks have written so far (likewise).
    pub disk_written_bytes: u64,
}

impl HostSample {
    /// The counters of `host` (number `index`) at `now`.
    pub fn of(host: &mut Host, index: usize, now: Nanos) -> Self {
        let moved = host.disks.iter_mut().fold((0, 0), |acc, d| {
            let m = d.moved_bytes_at(now);
            (acc.0 + m.0, acc.1 + m.1)
        });
        Self {
            time_ns: now,
            host: index as u32,
            cpu_busy_ns: host.cpu.busy_ns_at(now),
            tx_busy_ns: host.nic.tx.busy_ns_at(now),
            rx_busy_ns: host.nic.rx.busy_ns_at(now),
            disk_busy_ns: host
                .disks
                .iter()
                .map(|d| d.busy_ns_at(now))
                .max()
                .unwrap_or(0),
            dirty_bytes: host.dirty_bytes(now),
            hit_bytes: host.cache.hit_bytes(),
            miss_bytes: host.cache.miss_bytes(),
            disk_read_bytes: moved.0,
            disk_written_bytes: moved.1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SEC;

    fn host(disk: DiskProfile, cache_mb: u64) -> Host {
        host_with_pages(disk, cache_mb, 1 << 20)
    }

    fn host_with_pages(disk: DiskProfile, cache_mb: u64, page_bytes: u64) -> Host {
        let cache = cache_mb << 20;
        Host::new(&HostSpec {
            cores: 1,
            cpu_quota_milli: 0,
            cpu_background_milli: 0,
            page_cache_bytes: cache,
            page_bytes,
            disks: vec![disk],
            dirty: DirtyLimits {
                background_bytes: cache / 10,
                limit_bytes: cache / 5,
                expire_ns: 30 * SEC,
            },
            nic_bytes_per_s: 1_000_000_000,
            loopback: (1_000_000_000, 0),
        })
    }

    /// A writer that writes `chunk` bytes each time it is let go, for `secs` of simulated time;
    /// returns the bytes written in the last half.
    fn flat_out(h: &mut Host, chunk: u64, secs: u64) -> u64 {
        let (mut t, mut off, mut late) = (0, 0, 0);
        while t < secs * SEC {
            let next = h.write(t, 1, 0, off, chunk);
            off += chunk;
            if t >= secs * SEC / 2 {
                late += chunk;
            }
            t = next.max(t + 1_000); // 1 µs of CPU per write
        }
        late
    }

    #[test]
    fn a_flat_out_writer_settles_at_the_disk_bandwidth() {
        // 1 GiB cache: limits 102 / 205 MiB. An HDD writes 150 MB/s; unthrottled the writer
        // would do 1 MiB per µs.
        let mut h = host(DiskProfile::HDD, 1024);
        let late = flat_out(&mut h, 1 << 20, 40);
        let rate = late as f64 / 20.0;
        assert!(
            (rate / 150e6 - 1.0).abs() < 0.05,
            "settled at {rate:.0} B/s, disk writes 150e6"
        );
        let dirty = h.dirty_bytes(40 * SEC);
        assert!(
            dirty > 153 << 20 && dirty < 205 << 20,
            "dirty {dirty} between freerun and limit"
        );
    }

    #[test]
    fn a_write_that_fits_the_cache_is_not_throttled() {
        let mut h = host(DiskProfile::HDD, 1024);
        assert_eq!(h.write(0, 1, 0, 0, 100 << 20), 0, "100 MiB under freerun");
        assert_eq!(h.throttled_ns(), 0);
    }

    #[test]
    fn fsync_waits_for_the_write_and_the_flush() {
        let mut h = host_with_pages(DiskProfile::HDD, 1024, 4096);
        h.write(0, 1, 0, 0, 150_000);
        // seek 8 ms + 37 whole pages (151,552 B) at 150 MB/s + one rotation's flush 8.3 ms
        let written = 8 * MS + 1_010_347;
        assert_eq!(h.fsync(0, 1), written + 8_300_000);
        assert_eq!(
            h.dirty_bytes(written - 1),
            151_552,
            "under write-back until written"
        );
        assert_eq!(h.dirty_bytes(written), 0);
        // 100 more bytes dirty the last page again: the whole page is written again.
        h.write(20 * MS, 1, 0, 150_000, 100);
        assert_eq!(h.fsync(20 * MS, 1), 20 * MS + 8 * MS + 27_307 + 8_300_000);
    }
}
