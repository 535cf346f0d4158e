//! Where a topic's replicas go: Kafka's rack-unaware assignment (`AdminUtils.
//! assignReplicasToBrokersRackUnaware`). The first replica (the preferred leader) of partition
//! `p` goes to broker `(p + start) mod n`, so leaders spread over brokers; the followers are the
//! next brokers at a shift that grows by one every `n` partitions, so followers spread too.
//!
//! Kafka draws the start index and the first shift at random; the simulator fixes both at 0
//! (what `fixedStartIndex = 0` gives), so that scenarios can name brokers predictably: partition
//! `p` is led by broker `p mod n` as long as nothing fails.

/// Replica lists (brokers, preferred leader first) for `partitions` partitions of replication
/// factor `rf` on `brokers` brokers (`rf ≤ brokers`, checked by the scenario).
pub fn assign(partitions: u32, rf: u32, brokers: u32) -> Vec<Vec<usize>> {
    let n = brokers as usize;
    let mut shift = 0usize;
    (0..partitions as usize)
        .map(|p| {
            if p > 0 && p % n == 0 {
                shift += 1;
            }
            let first = p % n;
            let mut replicas = vec![first];
            for j in 0..rf as usize - 1 {
                let step = 1 + (shift + j) % (n - 1);
                replicas.push((first + step) % n);
            }
            replicas
        })
        .collect()
}

/// Which of a broker's `fetchers` replica-fetcher threads copies `partition` of `topic`
/// (`AbstractFetcherManager.getFetcherId`: `abs(31 · topic.hashCode + partition) mod fetchers`).
pub fn fetcher_id(topic: &str, partition: u32, fetchers: u32) -> u32 {
    let h = crate::kafka::group::java_string_hash(topic)
        .wrapping_mul(31)
        .wrapping_add(partition as i32);
    let abs = if h == i32::MIN { 0 } else { h.unsigned_abs() };
    abs % fetchers.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaders_round_robin_and_followers_shift() {
        let a = assign(6, 3, 3);
        assert_eq!(
            a,
            vec![
                vec![0, 1, 2],
                vec![1, 2, 0],
                vec![2, 0, 1],
                vec![0, 2, 1],
                vec![1, 0, 2],
                vec![2, 1, 0]
            ]
        );
        assert_eq!(assign(3, 1, 3), vec![vec![0], vec![1], vec![2]]);
        assert_eq!(assign(2, 1, 1), vec![vec![0], vec![0]]);
    }

    #[test]
    fn every_partition_gets_distinct_brokers_and_load_is_even() {
        let a = assign(60, 3, 5);
        let mut per_broker = [0; 5];
        for r in &a {
            let mut s = r.clone();
            s.sort();
            s.dedup();
            assert_eq!(s.len(), 3, "{r:?}");
            for &b in r {
                per_broker[b] += 1;
            }
        }
        assert_eq!(per_broker, [36; 5]);
    }

    #[test]
    fn fetcher_ids_follow_the_java_hash() {
        // "test".hashCode() = 3556498; 31 · 3556498 = 110251438.
        assert_eq!(fetcher_id("test", 0, 1), 0);
        assert_eq!(fetcher_id("test", 0, 3), 110_251_438 % 3);
        assert_eq!(fetcher_id("test", 5, 4), (110_251_438 + 5) % 4);
    }
}
