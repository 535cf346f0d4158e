//! Injected faults that are not broker crashes: transient produce failures
//! (`requests.fail`) and network cuts (`network.cut`). Disk slowdowns live in the disk.
//!
//! - `requests.fail`: while active, each ProduceRequest a broker handles fails with
//!   probability p: lost on its way in (nothing appended) or its response lost after the leader
//!   appended (the client cannot tell: NETWORK_EXCEPTION either way). Draws come from the
//!   `faults.requests` stream of the scenario seed.
//! - `network.cut`: messages between two hosts are dropped, both ways, for a while (checked
//!   when a message is sent). Nobody is told: requests time out — producers after
//!   request.timeout.ms, consumers after theirs, followers after replica.socket.timeout.ms.
//!   Those client timers are armed only in scenarios that cut the network (elsewhere every
//!   request is answered, and the timers would only add events).

use super::cluster::Cluster;
use super::event::{Event, Id, ProduceError, ProduceResponse, Timeout};
use super::metadata::Client;
use crate::engine::{EventQueue, Nanos, SimRng};
use crate::scenario::events::{Endpoint, FailStage};
use rand::Rng;

/// Active faults.
#[derive(Clone, Debug)]
pub struct Faults {
    /// (probability in millionths, until, stage) of `requests.fail`.
    pub requests_fail: Option<(u32, Nanos, FailStage)>,
    /// (host, host, until) cuts.
    pub cuts: Vec<(Id, Id, Nanos)>,
    /// Draws for `requests.fail`.
    pub rng: SimRng,
    /// Client request timers are armed (the scenario cuts the network).
    pub timeouts: bool,
}

impl Cluster {
    /// Schedule `event` (a message from host `from` to host `to`, arriving `at`) unless the
    /// path is cut at `now`.
    pub(crate) fn post(
        &mut self,
        now: Nanos,
        from: Id,
        to: Id,
        at: Nanos,
        event: Event,
        q: &mut EventQueue<Event>,
    ) {
        if !self.is_cut(now, from, to) {
            q.schedule(at, event);
        }
    }

    /// Whether messages between hosts `a` and `b` are lost at `now`.
    pub(crate) fn is_cut(&self, now: Nanos, a: Id, b: Id) -> bool {
        a != b
            && self
                .faults
                .cuts
                .iter()
                .any(|&(x, y, until)| now < until && ((x, y) == (a, b) || (x, y) == (b, a)))
    }

    fn hosts_of(&self, e: Endpoint) -> Vec<Id> {
        match e {
            Endpoint::Broker(b) => vec![self.brokers[b].host],
            Endpoint::Clients => (self.first_client_host..self.hosts.len()).collect(),
        }
    }

    /// `network.cut`.
    pub(crate) fn cut_network(
        &mut self,
        now: Nanos,
        from: Endpoint,
        to: Endpoint,
        duration_ns: Nanos,
    ) {
        self.faults.cuts.retain(|&(_, _, until)| until > now);
        for a in self.hosts_of(from) {
            for b in self.hosts_of(to) {
                self.faults
                    .cuts
                    .push((a, b, now.saturating_add(duration_ns)));
            }
        }
    }

    /// A client stopped waiting for a request (`network.cut` scenarios only).
    pub(crate) fn timeout(&mut self, now: Nanos, what: Timeout, q: &mut EventQueue<Event>) {
        match what {
            Timeout::Produce { p, id } => {
                if let Some(inf) = self.producers[p].inflight.get(&id) {
                    let resp = ProduceResponse {
                        id,
                        results: vec![Err(ProduceError::RequestTimedOut); inf.batches.len()],
                    };
                    self.produce_response(now, p, resp, q);
                }
            }
            Timeout::Fetch { c, broker, id } => self.consumer_fetch_timeout(now, c, broker, id, q),
            Timeout::ListOffsets { c, broker, id } => {
                self.consumer_list_offsets_timeout(now, c, broker, id, q)
            }
            Timeout::Replica {
                broker,
                leader,
                fetcher,
                token,
            } => {
                let backoff = self.cfg.replication.fetch_backoff_ns;
                if let Some(f) = self.brokers[broker].fetchers.get_mut(&(leader, fetcher)) {
                    if f.in_flight == Some(token) {
                        f.in_flight = None;
                        f.waking = true;
                        q.schedule(
                            now + backoff,
                            Event::FetcherWake {
                                broker,
                                leader,
                                fetcher,
                            },
                        );
                    }
                }
            }
            Timeout::Metadata { client, n } => {
                let m = match client {
                    Client::Producer(p) => &self.producers[p].meta,
                    Client::Consumer(c) => &self.consumers[c].meta,
                };
                if m.in_flight && m.requests == n {
                    self.metadata_reply(now, client, None, q);
                }
            }
        }
    }

    /// Whether the ProduceRequest being handled now fails, and how.
    pub(crate) fn produce_fault(&mut self, now: Nanos) -> Option<FailStage> {
        let (ppm, until, stage) = self.faults.requests_fail?;
        if now >= until {
            self.faults.requests_fail = None;
            return None;
        }
        if self.faults.rng.random_range(0..1_000_000u32) >= ppm {
            return None;
        }
        self.metrics.injected_failures += 1;
        Some(match stage {
            FailStage::Either if self.faults.rng.random::<bool>() => FailStage::BeforeAppend,
            FailStage::Either => FailStage::AfterAppend,
            s => s,
        })
    }
}
