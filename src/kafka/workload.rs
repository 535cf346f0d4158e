//! What a producer sends: keys (none, fixed, random, uniform over K, Zipf over K) and value sizes.
//! All draws are integer draws from the producer's own ChaCha stream.

use crate::engine::SimRng;
use crate::scenario::resolve::KeyMode;
use rand::Rng;

/// Most keys a Zipf workload may have (its table is built in memory).
pub const ZIPF_MAX_KEYS: u64 = 1_000_000;

/// Generates the keys and value sizes of one producer's records.
pub struct Workload {
    keys: KeyMode,
    zipf_cdf: Vec<u64>,
    value_bytes: (u32, u32),
    rng: SimRng,
    key_buf: Vec<u8>,
    /// Where a random key's digits are written.
    digits: [u8; 20],
    /// Share of keyed records sent as tombstones, millionths.
    tombstone_ppm: u32,
}

/// The bit of a key id that marks a tombstone (a record with a null value).
pub const TOMBSTONE: u32 = 1 << 31;

/// One generated record.
pub struct Generated<'a> {
    /// Key bytes (None = null key).
    pub key: Option<&'a [u8]>,
    /// Value size, bytes (0 for a tombstone).
    pub value_len: u32,
    /// The key as a number (the key's index for fixed, uniform and zipf keys; the random
    /// draw's low bits for random keys), with [`TOMBSTONE`] set for a tombstone; 0 without a key.
    pub key_id: u32,
    /// The key's CRC-32 when it came with the key for free (random keys, written as decimal
    /// digits: [`crate::kafka::hash::decimal_crc32`]), for librdkafka's consistent partitioners.
    pub key_crc32: Option<u32>,
}

impl Workload {
    /// A generator for `keys` and values uniform in `value_bytes` (inclusive), drawing from `rng`.
    pub fn new(keys: KeyMode, value_bytes: (u32, u32), rng: SimRng) -> Self {
        let zipf_cdf = match keys {
            KeyMode::Zipf(n, s) => {
                let n = n.min(ZIPF_MAX_KEYS);
                let w: Vec<f64> = (1..=n).map(|i| 1.0 / (i as f64).powf(s)).collect();
                let total: f64 = w.iter().sum();
                let mut acc = 0.0;
                // Thresholds on a 2^52 scale, so sampling is an integer draw and a binary search.
                w.iter()
                    .map(|x| {
                        acc += x;
                        ((acc / total) * (1u64 << 52) as f64) as u64
                    })
                    .collect()
            }
            _ => vec![],
        };
        Self {
            keys,
            zipf_cdf,
            value_bytes,
            rng,
            key_buf: Vec::with_capacity(32),
            digits: [0; 20],
            tombstone_ppm: 0,
        }
    }

    /// Send this share (millionths) of keyed records as tombstones.
    pub fn with_tombstones(mut self, ppm: u32) -> Self {
        self.tombstone_ppm = ppm;
        self
    }

    /// Whether every record is the same: the same key (none or a fixed one), the same value
    /// size, no tombstones; then [`Workload::next`] draws nothing and may be skipped.
    pub fn repeats(&self) -> bool {
        matches!(self.keys, KeyMode::None | KeyMode::Fixed(_))
            && self.value_bytes.0 == self.value_bytes.1
            && (self.tombstone_ppm == 0 || self.keys == KeyMode::None)
    }

    /// The next record.
    pub fn next(&mut self) -> Generated<'_> {
        let (lo, hi) = self.value_bytes;
        let value_len = if lo == hi {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        };
        self.key_buf.clear();
        let mut key_id = 0u64;
        let mut key_crc32 = None;
        // A random key stays where its digits were written: self.digits[digits_from..].
        let mut digits_from = self.digits.len();
        let key = match &self.keys {
            KeyMode::None => None,
            KeyMode::Fixed(k) => {
                self.key_buf.extend_from_slice(k);
                Some(())
            }
            KeyMode::Random => {
                let v: u64 = self.rng.random();
                key_id = v;
                let (digits, crc) = crate::kafka::hash::decimal_crc32(v, &mut self.digits);
                digits_from = 20 - digits.len();
                key_crc32 = Some(crc);
                Some(())
            }
            KeyMode::Uniform(n) => {
                let i = self.rng.random_range(0..*n);
                key_id = i;
                self.key_buf.extend_from_slice(b"key-");
                self.key_buf
                    .extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
                Some(())
            }
            KeyMode::Zipf(..) => {
                let last = *self.zipf_cdf.last().expect("non-empty table");
                let r = self.rng.random_range(0..last.max(1));
                let i = self.zipf_cdf.partition_point(|&t| t <= r);
                key_id = i as u64;
                self.key_buf.extend_from_slice(b"key-");
                self.key_buf
                    .extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
                Some(())
            }
        };
        let mut key_id = (key_id as u32) & !TOMBSTONE;
        let mut value_len = value_len;
        // Drawn only when tombstones are asked for, so other runs keep their streams.
        if key.is_some()
            && self.tombstone_ppm > 0
            && self.rng.random_range(0..1_000_000) < self.tombstone_ppm
        {
            key_id |= TOMBSTONE;
            value_len = 0;
        }
        Generated {
            key: key.map(|_| match key_crc32 {
                Some(_) => &self.digits[digits_from..],
                None => self.key_buf.as_slice(),
            }),
            value_len,
            key_id,
            key_crc32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SeedTree;

    fn gen(keys: KeyMode, n: usize) -> Vec<(Option<Vec<u8>>, u32)> {
        let mut w = Workload::new(keys, (10, 20), SeedTree::new(3).stream("w", 0));
        (0..n)
            .map(|_| {
                let g = w.next();
                (g.key.map(|k| k.to_vec()), g.value_len)
            })
            .collect()
    }

    #[test]
    fn key_modes_behave() {
        assert!(gen(KeyMode::None, 10)
            .iter()
            .all(|(k, v)| k.is_none() && (10..=20).contains(v)));
        assert!(gen(KeyMode::Fixed(b"k".to_vec()), 10)
            .iter()
            .all(|(k, _)| k.as_deref() == Some(&b"k"[..])));
        let r = gen(KeyMode::Random, 100);
        let distinct: std::collections::BTreeSet<_> = r.iter().map(|x| x.0.clone()).collect();
        assert_eq!(distinct.len(), 100);
        let u = gen(KeyMode::Uniform(5), 1000);
        let distinct: std::collections::BTreeSet<_> = u.iter().map(|x| x.0.clone()).collect();
        assert_eq!(distinct.len(), 5);
    }

    #[test]
    fn zipf_favours_the_first_keys() {
        let z = gen(KeyMode::Zipf(100, 1.0), 20_000);
        let first = z
            .iter()
            .filter(|x| x.0.as_deref() == Some(&b"key-0"[..]))
            .count();
        let tenth = z
            .iter()
            .filter(|x| x.0.as_deref() == Some(&b"key-9"[..]))
            .count();
        // Weights 1 and 1/10: expect about 3,850 and 385 of 20,000 (H_100 ≈ 5.19).
        assert!((3400..4300).contains(&first), "{first}");
        assert!((250..550).contains(&tenth), "{tenth}");
        assert_eq!(
            gen(KeyMode::Zipf(100, 1.0), 50),
            gen(KeyMode::Zipf(100, 1.0), 50),
            "deterministic"
        );
    }
}
