//! The leader's ISR timer (Kafka's `isr-expiration` task, every `replica.lag.time.max.ms / 2`):
//! followers that have not caught up for `replica.lag.time.max.ms` leave the ISR, which may let
//! the high watermark advance (and answer acks=all produces waiting for a dead follower).
//! Followers rejoin when they catch up (see `broker::fetch`).

use crate::engine::{EventQueue, Nanos};
use crate::kafka::cluster::Cluster;
use crate::kafka::event::{Event, Id};

impl Cluster {
    /// Broker `b` shrinks the ISR of the partitions it leads.
    pub(crate) fn isr_check(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        let lag = self.cfg.replication.lag_time_max_ns;
        if self.brokers[b].alive {
            let mut moved = vec![];
            for p in 0..self.parts.len() as u32 {
                if self.parts[p as usize].leader != Some(b) {
                    continue;
                }
                let leo = self.brokers[b].logs[&p].leo();
                let out = self.parts[p as usize].lagging(leo, now, lag);
                if out.is_empty() {
                    continue;
                }
                self.parts[p as usize].isr.retain(|r| !out.contains(r));
                self.metrics.isr_changes += 1;
                if self.advance_hw(p) {
                    moved.push(p);
                }
            }
            if !moved.is_empty() {
                self.wake_parked(now, b, &moved, q);
                self.check_delayed(now, b, q);
            }
        }
        q.schedule(now + (lag / 2).max(1), Event::IsrCheck { broker: b });
    }
}
