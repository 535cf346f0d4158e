//! Consumer groups: the classic-protocol coordinator (on a broker), the KIP-848 consumer-protocol
//! coordinator, and the assignors (run by the group leader, or by the coordinator for KIP-848).

pub mod assignor;
pub mod consumer_protocol;
pub mod coordinator;

/// Java's `String.hashCode` (UTF-16 code units, 31·h + c, wrapping).
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// Partition of `__consumer_offsets` holding `group_id`: `Utils.abs(hashCode) % 50`.
pub fn offsets_partition(group_id: &str, offsets_partitions: u32) -> u32 {
    let h = java_string_hash(group_id);
    let abs = if h == i32::MIN { 0 } else { h.unsigned_abs() };
    abs % offsets_partitions
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn java_hash_code_matches_the_jvm() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("hello"), 99_162_322);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(offsets_partition("polygenelubricants", 50), 0);
        assert_eq!(offsets_partition("hello", 50), 22);
    }
}
