//! A broker's replicas, by partition number: a vector indexed by partition, not an ordered map
//! (a lookup per partition of every request on the hot path), iterated in ascending partition
//! order as the map was.

use crate::kafka::log::PartitionLog;
use std::ops::Index;

/// The partition logs one broker holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Logs(Vec<Option<(u32, PartitionLog)>>);

impl Logs {
    pub(crate) fn insert(&mut self, p: u32, log: PartitionLog) {
        let i = p as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i] = Some((p, log));
    }

    pub(crate) fn get(&self, p: &u32) -> Option<&PartitionLog> {
        self.0.get(*p as usize)?.as_ref().map(|(_, l)| l)
    }

    pub(crate) fn get_mut(&mut self, p: &u32) -> Option<&mut PartitionLog> {
        self.0.get_mut(*p as usize)?.as_mut().map(|(_, l)| l)
    }

    /// (partition, log), ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&u32, &PartitionLog)> {
        self.0.iter().flatten().map(|(p, l)| (p, l))
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &u32> {
        self.iter().map(|(p, _)| p)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &PartitionLog> {
        self.iter().map(|(_, l)| l)
    }
}

impl Index<&u32> for Logs {
    type Output = PartitionLog;

    fn index(&self, p: &u32) -> &PartitionLog {
        self.get(p)
            .expect("the broker holds a replica of the partition")
    }
}
