//! Record batch v2 sizes and compression codecs.
//!
//! A batch is a 61-byte header followed by records. A record is a varint length prefix, then
//! 1 attribute byte and zig-zag varints (timestamp delta, offset delta, key length, value
//! length, header count) around the key and value bytes; a null key costs one byte (-1).
//! Example: a 10-byte key and a 100-byte value take 119 bytes.

/// Bytes of a record batch v2 header.
pub const BATCH_HEADER_BYTES: u64 = 61;

/// Bytes of a zig-zag varint holding `v`.
pub fn varint_bytes(v: i64) -> u32 {
    let z = ((v << 1) ^ (v >> 63)) as u64;
    // 7 bits a byte, at least one byte: ⌈significant bits / 7⌉, without a loop (several
    // varints a record).
    (64 - (z | 1).leading_zeros()).div_ceil(7)
}

/// Bytes a record takes inside a batch: key of `key_len` bytes (None = null key), value of
/// `value_len` bytes, at `offset_delta` in its batch; timestamp delta assumed below 64 ms (1 byte:
/// records of one batch are created within linger.ms of each other).
pub fn record_bytes(key_len: Option<u32>, value_len: u32, offset_delta: u32) -> u32 {
    let key = match key_len {
        None => varint_bytes(-1),
        Some(k) => varint_bytes(k as i64) + k,
    };
    let body = 1
        + 1
        + varint_bytes(offset_delta as i64)
        + key
        + varint_bytes(value_len as i64)
        + value_len
        + 1;
    body + varint_bytes(body as i64)
}

/// A compression codec with the payload's ratio and its CPU costs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Codec {
    /// `compression.type` name.
    pub name: &'static str,
    /// Compressed size as thousandths of the raw size (1000 = no compression).
    pub size_permille: u64,
    /// Compression CPU, picoseconds per raw byte.
    pub compress_ps_per_byte: u64,
    /// Decompression CPU, picoseconds per raw byte.
    pub decompress_ps_per_byte: u64,
}

/// Indicative figures on JSON-like events in 16 KB blocks (ratio, compress MB/s, decompress MB/s
/// on one core): zstd-1 4.7×, 550/1500; lz4 2.8×, 1100/4700; gzip 4.5×, 100/370; snappy 2.1×,
/// 530/1660 (Silesia). See KAFKA-FACTS.md.
const TABLE: &[(&str, f64, f64, f64)] = &[
    ("none", 1.0, 0.0, 0.0),
    ("gzip", 4.5, 100.0, 370.0),
    ("snappy", 2.1, 530.0, 1660.0),
    ("lz4", 2.8, 1100.0, 4700.0),
    ("zstd", 4.7, 550.0, 1500.0),
];

impl Codec {
    /// The codec `name` (a checked `compression.type`); `ratio` overrides its compression ratio
    /// when > 0.
    pub fn by_name(name: &str, ratio: f64) -> Self {
        let &(n, r, c, d) = TABLE.iter().find(|t| t.0 == name).unwrap_or(&TABLE[0]);
        let r = if ratio > 0.0 && n != "none" { ratio } else { r };
        let ps = |mb_s: f64| {
            if mb_s > 0.0 {
                (1e6 / mb_s).round() as u64
            } else {
                0
            }
        };
        Codec {
            name: n,
            size_permille: (1000.0 / r).round().max(1.0) as u64,
            compress_ps_per_byte: ps(c),
            decompress_ps_per_byte: ps(d),
        }
    }

    /// Whether records are actually compressed.
    pub fn is_none(&self) -> bool {
        self.name == "none"
    }

    /// Bytes on the wire of a batch whose records take `raw_record_bytes`.
    pub fn batch_wire_bytes(&self, raw_record_bytes: u64) -> u64 {
        BATCH_HEADER_BYTES + (raw_record_bytes * self.size_permille).div_ceil(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn record_sizes_match_the_v2_format() {
        assert_eq!(record_bytes(Some(10), 100, 0), 119);
        assert_eq!(record_bytes(None, 100, 0), 109);
        assert_eq!(varint_bytes(-1), 1);
        assert_eq!(varint_bytes(63), 1);
        assert_eq!(varint_bytes(64), 2);
    }
    #[test]
    fn varint_sizes_are_the_bytes_of_the_encoding() {
        // Encode as the protocol does (7 bits a byte, high bit = more) and count.
        let encoded = |v: i64| {
            let mut z = ((v << 1) ^ (v >> 63)) as u64;
            let mut n = 1;
            while z >= 0x80 {
                z >>= 7;
                n += 1;
            }
            n
        };
        let mut cases = vec![0, 1, -1, i64::MAX, i64::MIN, i64::MIN + 1];
        for bits in 0..63 {
            let p = 1i64 << bits;
            cases.extend([p - 1, p, p + 1, -p, -p - 1, -p + 1]);
        }
        for v in cases {
            assert_eq!(varint_bytes(v), encoded(v), "varint of {v}");
        }
    }
    #[test]
    fn codecs_shrink_batches() {
        let lz4 = Codec::by_name("lz4", 0.0);
        assert_eq!(lz4.size_permille, 357);
        assert_eq!(Codec::by_name("none", 0.0).batch_wire_bytes(1000), 1061);
        assert_eq!(Codec::by_name("zstd", 2.0).batch_wire_bytes(1000), 561);
        assert!(Codec::by_name("none", 5.0).is_none());
    }
}
