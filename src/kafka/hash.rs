//! Key hashes used by the Kafka producer partitioners.
//!
//! * [`murmur2`] / [`to_positive`]: the Java client's `Utils.murmur2` and `Utils.toPositive`
//!   (also librdkafka's `murmur2` partitioners, `rd_murmur2`).
//! * [`crc32`]: librdkafka's `consistent` partitioners (`rd_crc32`, zlib/IEEE CRC-32).
//! * [`fnv1a`]: plain 32-bit FNV-1a; [`fnv1a_librdkafka`]: librdkafka's `rd_fnv1a`, which
//!   returns the absolute value of the signed hash (to match Sarama's `NewHashPartitioner`).
//!
//! Everything is 32-bit wrapping arithmetic; none of these functions allocate.

/// Kafka's murmur2 (Java `org.apache.kafka.common.utils.Utils.murmur2`), as a signed `int`.
///
/// Seed `0x9747b28c`, m `0x5bd1e995`, r 24, `h = seed ^ len`, 4-byte little-endian words,
/// tail bytes 3/2/1 fall through, final mix `h ^= h >>> 13; h *= m; h ^= h >>> 15`.
/// An empty key (and librdkafka's NULL key) hashes to `0x106e08d9`.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    // Java uses an `int` length; a key is far below 2^31 bytes, so truncation never matters.
    let mut h: u32 = SEED ^ (data.len() as u32);
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        let mut k = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = words.remainder();
    if tail.len() == 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Java `Utils.toPositive`: clears the sign bit (`h & 0x7fffffff`). This is a mask, not `abs`:
/// `to_positive(-1) == 0x7fffffff` and `to_positive(i32::MIN) == 0`.
pub fn to_positive(h: i32) -> u32 {
    (h as u32) & 0x7fff_ffff
}

/// `h % n` (n ≥ 1), a mask when `n` is a power of two (partition counts often are): the same
/// result without a division per keyed record.
pub fn modulo(h: u32, n: u32) -> u32 {
    if n.is_power_of_two() {
        h & (n - 1)
    } else {
        h % n
    }
}

/// CRC-32 (zlib/IEEE 802.3, reflected polynomial `0xEDB88320`), as librdkafka's `rd_crc32`.
/// `crc32(b"123456789") == 0xCBF43926`; the CRC of an empty (or NULL) key is 0.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// The CRC-32 byte table (reflected polynomial `0xEDB88320`): `T[b]` is the register after
/// byte `b` from a zero register.
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        let mut r = b as u32;
        let mut i = 0;
        while i < 8 {
            r = if r & 1 == 1 {
                (r >> 1) ^ 0xEDB8_8320
            } else {
                r >> 1
            };
            i += 1;
        }
        t[b] = r;
        b += 1;
    }
    t
};

/// A register after one more zero byte.
const fn crc_zero_byte(r: u32) -> u32 {
    (r >> 8) ^ CRC_TABLE[(r & 0xff) as usize]
}

/// Decimal digits' share of a CRC-32, two digits at a time: `PAIRS[j][n]` is what the digits of
/// `n` (0..=99, as two characters "00".."99") contribute when they are the key's characters
/// `2j + 1` and `2j` from its end (0 = the last), and `SINGLE[j][d]` what digit `d` alone
/// contributes as character `2j` from the end. CRC-32 is affine in the message: a byte `b` that
/// stands `k` bytes before the end adds `T[b]` followed by `k` zero bytes, whatever else the
/// message holds ([`decimal_crc32`]).
const DIGITS: ([[u32; 100]; 10], [[u32; 10]; 10]) = {
    // SHARE[k][d]: digit d's contribution k characters from the end.
    let mut share = [[0u32; 10]; 20];
    let mut d = 0;
    while d < 10 {
        let mut r = CRC_TABLE[b'0' as usize + d];
        let mut k = 0;
        while k < 20 {
            share[k][d] = r;
            r = crc_zero_byte(r);
            k += 1;
        }
        d += 1;
    }
    let mut pairs = [[0u32; 100]; 10];
    let mut single = [[0u32; 10]; 10];
    let mut j = 0;
    while j < 10 {
        let mut n = 0;
        while n < 100 {
            pairs[j][n] = share[2 * j][n % 10] ^ share[2 * j + 1][n / 10];
            n += 1;
        }
        let mut d = 0;
        while d < 10 {
            single[j][d] = share[2 * j][d];
            d += 1;
        }
        j += 1;
    }
    (pairs, single)
};

/// `LENGTH[L]`: the CRC-32 of `L` zero bytes (0..=20): the part of a key's CRC that depends only
/// on its length (the initial register carried through it, and the final inversion).
const LENGTH: [u32; 21] = {
    let mut c = [0u32; 21];
    let mut r = !0u32;
    let mut l = 0;
    while l <= 20 {
        c[l] = !r;
        r = crc_zero_byte(r);
        l += 1;
    }
    c
};

/// `v` in decimal, written at the end of `buf`, with its CRC-32: (the digits, their [`crc32`]).
/// The same as formatting `v` and hashing the text, in one pass over pairs of digits and with
/// no pass over the bytes (a producer's random keys: librdkafka's `consistent_random`
/// partitioner hashes every one).
pub fn decimal_crc32(mut v: u64, buf: &mut [u8; 20]) -> (&[u8], u32) {
    const ASCII: [u8; 200] = {
        let mut a = [0u8; 200];
        let mut n = 0;
        while n < 100 {
            a[2 * n] = b'0' + (n / 10) as u8;
            a[2 * n + 1] = b'0' + (n % 10) as u8;
            n += 1;
        }
        a
    };
    let (pairs, single) = &DIGITS;
    let (mut at, mut j, mut h) = (20, 0, 0u32);
    // Whole groups of 8 digits first: one 64-bit division per group, then its four pairs from
    // two 32-bit halves that do not wait on each other (a 64-bit division per pair made one long
    // chain; the pairs' shares are XORed, in any order).
    while v >= 100_000_000 {
        let group = (v % 100_000_000) as u32;
        v /= 100_000_000;
        let (high, low) = (group / 10_000, group % 10_000);
        for (k, n) in [low % 100, low / 100, high % 100, high / 100]
            .into_iter()
            .enumerate()
        {
            let n = n as usize;
            h ^= pairs[j + k][n];
            buf[at - 2 * k - 2..at - 2 * k].copy_from_slice(&ASCII[2 * n..2 * n + 2]);
        }
        at -= 8;
        j += 4;
    }
    let mut v = v as u32;
    while v >= 100 {
        let n = (v % 100) as usize;
        v /= 100;
        h ^= pairs[j][n];
        at -= 2;
        buf[at..at + 2].copy_from_slice(&ASCII[2 * n..2 * n + 2]);
        j += 1;
    }
    let n = v as usize;
    if n >= 10 {
        h ^= pairs[j][n];
        at -= 2;
        buf[at..at + 2].copy_from_slice(&ASCII[2 * n..2 * n + 2]);
    } else {
        h ^= single[j][n];
        at -= 1;
        buf[at] = b'0' + n as u8;
    }
    (&buf[at..], h ^ LENGTH[20 - at])
}

/// Plain 32-bit FNV-1a: offset basis `0x811C9DC5`, prime `0x01000193`, xor then multiply.
pub fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(0x811C_9DC5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// librdkafka's `rd_fnv1a` (`src/rdfnv1a.c`, librdkafka ≥ 1.4): [`fnv1a`] read as a signed
/// `int32`, negated when negative (`i32::MIN` stays `0x80000000`), returned unsigned.
/// The `fnv1a` partitioners use `fnv1a_librdkafka(key) % partition_cnt`.
pub fn fnv1a_librdkafka(data: &[u8]) -> u32 {
    (fnv1a(data) as i32).wrapping_abs() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_crc32_is_the_crc32_of_the_formatted_number() {
        let mut cases: Vec<u64> = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, u64::MAX, u64::MAX - 1];
        for k in 1..20 {
            let p = 10u64.pow(k);
            cases.extend([p - 1, p, p + 1]);
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.extend([x, x >> (x % 64)]);
        }
        let mut buf = [0u8; 20];
        for v in cases {
            let text = v.to_string();
            let (digits, h) = decimal_crc32(v, &mut buf);
            assert_eq!(digits, text.as_bytes(), "{v}");
            assert_eq!(h, crc32(text.as_bytes()), "crc32 of {v}");
        }
    }
    #[test]
    fn modulo_is_the_remainder() {
        for n in 1..=33u32 {
            for h in [0, 1, 2, 7, 255, 4096, 0x7fff_ffff, u32::MAX, 123_456_789] {
                assert_eq!(modulo(h, n), h % n, "{h} % {n}");
            }
        }
    }

    #[test]
    fn murmur2_java_signed_vectors() {
        // Kafka UtilsTest / KAFKA-FACTS.md.
        assert_eq!(murmur2(b"21"), -973932308);
        assert_eq!(murmur2(b"foobar"), -790332482);
        assert_eq!(murmur2(b"a-little-bit-long-string"), -985981536);
        assert_eq!(murmur2(b"a-little-bit-longer-string"), -1486304829);
        assert_eq!(murmur2(b"abc"), 479470107);
    }

    #[test]
    fn murmur2_librdkafka_vectors() {
        // librdkafka src/rdmurmur2.c unittest_murmur2 (Java-computed); covers tails 0..3.
        let cases: [(&[u8], u32); 8] = [
            (b"kafka", 0xd067cf64),
            (b"giberish123456789", 0x8f552b0c),
            (b"1234", 0x9fc97b14),
            (b"234", 0xe7c009ca),
            (b"34", 0x873930da),
            (b"4", 0x5a4b5ca1),
            (b"PreAmbleWillBeRemoved,ThePrePartThatIs", 0x78424f1c),
            (b"", 0x106e08d9),
        ];
        for (key, want) in cases {
            assert_eq!(
                murmur2(key) as u32,
                want,
                "{:?}",
                String::from_utf8_lossy(key)
            );
        }
    }

    #[test]
    fn to_positive_is_a_mask() {
        assert_eq!(to_positive(5), 5);
        assert_eq!(to_positive(-1), 0x7fff_ffff);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(
            to_positive(murmur2(b"21")),
            (-973932308i32 as u32) & 0x7fff_ffff
        );
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn fnv1a_published_vectors() {
        // FNV reference test vectors (isthe.com FNV test suite, also Go's hash/fnv golden).
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn fnv1a_librdkafka_vectors() {
        // librdkafka src/rdfnv1a.c unittest_fnv1a (values obtained from Go's hash/fnv + abs).
        let cases: [(&[u8], u32); 7] = [
            (b"kafka", 0x0d33c4e1),
            (b"giberish123456789", 0x77a58295),
            (b"1234", 0x023bdd03),
            (b"234", 0x2dea3cd2),
            (b"PreAmbleWillBeRemoved,ThePrePartThatIs", 0x65cbd69c),
            (b"reAmbleWillBeRemoved,ThePrePartThatIs", 0x6e49c79a),
            (b"", 0x7ee3623b),
        ];
        for (key, want) in cases {
            assert_eq!(
                fnv1a_librdkafka(key),
                want,
                "{:?}",
                String::from_utf8_lossy(key)
            );
        }
        // "1234" is negative as i32: the plain hash differs from librdkafka's.
        assert_eq!(fnv1a(b"1234"), 0xfdc4_22fd);
    }
}
