//! Scenario events (`[[events]]`) applied to the running system.

use super::cluster::Cluster;
use super::event::Event;
use crate::engine::{EventQueue, Nanos};
use crate::scenario::events::Action;

impl Cluster {
    /// Carry out `action` at `now`.
    pub(crate) fn scenario_event(&mut self, now: Nanos, action: Action, q: &mut EventQueue<Event>) {
        self.events_pending -= 1;
        match action {
            Action::ConsumerJoin { consumer } => self.consumer_start(now, consumer, q),
            Action::ConsumerLeave { consumer } => self.consumer_close(now, consumer, q),
            Action::ConsumerCrash { consumer } => self.consumer_crash(now, consumer),
            Action::ConsumerRestart { consumer } => self.consumer_start_again(now, consumer, q),
            Action::ConsumerSlow {
                consumer,
                process_ns,
            } => self.consumers[consumer].process_ns = process_ns,
            Action::ConsumerPause {
                consumer,
                duration_ns,
            } => self.consumer_pause(now, consumer, duration_ns, q),
            Action::ConsumerStall {
                consumer,
                duration_ns,
            } => self.consumer_stall(now, consumer, duration_ns, q),
            Action::RollingRestart {
                group,
                interval_ns,
                down_ns,
            } => {
                let running: Vec<usize> = (0..self.consumers.len())
                    .filter(|&c| self.consumers[c].running)
                    .filter(|&c| group.is_none_or(|g| self.consumers[c].group == g))
                    .collect();
                for (i, c) in running.into_iter().enumerate() {
                    // Saturating: an interval near the top of its range means "never".
                    let down = now.saturating_add((i as u64).saturating_mul(interval_ns));
                    let schedule = [
                        (down, Action::ConsumerLeave { consumer: c }),
                        (
                            down.saturating_add(down_ns),
                            Action::ConsumerRestart { consumer: c },
                        ),
                    ];
                    for (at, action) in schedule {
                        self.events_pending += 1;
                        q.schedule(
                            at,
                            Event::Scenario {
                                action: Box::new(action),
                            },
                        );
                    }
                }
            }
            Action::ProducerRate {
                producers,
                rate_milli_per_s,
            } => {
                for p in producers.unwrap_or(0..self.producers.len()) {
                    self.producer_set_rate(now, p, rate_milli_per_s, q);
                }
            }
            Action::ResetOffsets { group, to } => self.reset_offsets(now, group, to),
            Action::BrokerCrash { broker } => self.broker_crash(now, broker, q),
            Action::BrokerRestart { broker } => self.broker_restart(now, broker, q),
            Action::BrokerSlowDisk {
                broker,
                factor_permille,
                duration_ns,
            } => {
                let host = self.brokers[broker].host;
                for disk in &mut self.hosts[host].disks {
                    disk.slow_down(factor_permille, now.saturating_add(duration_ns));
                }
            }
            Action::NetworkCut {
                from,
                to,
                duration_ns,
            } => self.cut_network(now, from, to, duration_ns),
            Action::RequestsFail {
                probability_ppm,
                duration_ns,
                stage,
            } => self.faults.requests_fail = Some((probability_ppm, now + duration_ns, stage)),
        }
    }
}
