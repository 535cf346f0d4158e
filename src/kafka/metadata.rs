//! Clients' metadata: which broker leads each partition, as a producer or consumer last
//! learned it. Clients start knowing the initial leaders (bootstrap); when a request fails with
//! NOT_LEADER_OR_FOLLOWER, a broken connection or a timeout, they send a Metadata request to a
//! broker (starting with the one they last used, moving to the next when it does not answer)
//! and route by the answer. A partition without a leader (offline) is asked about again after
//! retry.backoff.ms. Brokers answer from the controller's current view (metadata propagation
//! is taken as instant).

use super::cluster::Cluster;
use super::event::{Event, Id, Request};
use crate::engine::{EventQueue, Nanos};

/// A client of the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// Producer index.
    Producer(Id),
    /// Consumer index.
    Consumer(Id),
}

/// A client's metadata requests.
#[derive(Clone, Copy, Debug, Default)]
pub struct MetadataState {
    /// A request is outstanding.
    pub in_flight: bool,
    /// A retry is scheduled.
    pub retry_pending: bool,
    /// Broker to ask.
    pub broker: Id,
    /// Requests sent.
    pub requests: u64,
}

impl Cluster {
    fn meta_state(&mut self, client: Client) -> &mut MetadataState {
        match client {
            Client::Producer(p) => &mut self.producers[p].meta,
            Client::Consumer(c) => &mut self.consumers[c].meta,
        }
    }

    fn client_host(&self, client: Client) -> Id {
        match client {
            Client::Producer(p) => self.producers[p].host,
            Client::Consumer(c) => self.consumers[c].host,
        }
    }

    /// Ask a broker for the current leaders (unless a request is already out).
    pub(crate) fn request_metadata(
        &mut self,
        now: Nanos,
        client: Client,
        q: &mut EventQueue<Event>,
    ) {
        let m = self.meta_state(client);
        if m.in_flight {
            return;
        }
        m.in_flight = true;
        m.requests += 1;
        let (broker, n) = (m.broker, m.requests);
        let host = self.client_host(client);
        let cpu = self.cfg.consumer.request_cpu_ns;
        self.send_after_cpu(q, now, host, cpu, broker, Request::Metadata { client });
        let at = now + cpu;
        if self.faults.timeouts {
            let what = super::event::Timeout::Metadata { client, n };
            q.schedule(
                at + self.cfg.consumer.request_timeout_ns,
                Event::Timeout { what },
            );
        }
    }

    /// Broker `b` answers a Metadata request.
    pub(crate) fn answer_metadata(
        &mut self,
        now: Nanos,
        b: Id,
        client: Client,
        q: &mut EventQueue<Event>,
    ) {
        let leaders: Vec<Option<Id>> = self.parts.iter().map(|s| s.leader).collect();
        let bytes = 100 + 20 * leaders.len() as u64;
        let host = self.client_host(client);
        let from = self.brokers[b].host;
        let (_, at) = self.send(now, from, host, bytes);
        let event = Event::MetadataReply {
            client,
            leaders: Some(leaders.into_boxed_slice()),
        };
        self.post(now, from, host, at, event, q);
    }

    /// A Metadata answer (None: the broker was unreachable) reached `client`.
    pub(crate) fn metadata_reply(
        &mut self,
        now: Nanos,
        client: Client,
        leaders: Option<Vec<Option<Id>>>,
        q: &mut EventQueue<Event>,
    ) {
        let nb = self.brokers.len();
        let m = self.meta_state(client);
        m.in_flight = false;
        let Some(leaders) = leaders else {
            m.broker = (m.broker + 1) % nb;
            self.metadata_retry_later(now, client, q);
            return;
        };
        match client {
            Client::Producer(p) => {
                self.expire_leaderless(now, p, &leaders, q);
                let waiting = (0..leaders.len() as u32)
                    .any(|x| leaders[x as usize].is_none() && self.producers[p].acc.has_batch(x));
                self.producers[p].leaders = leaders;
                if waiting {
                    self.metadata_retry_later(now, client, q);
                }
                self.sender_run(now, p, q);
            }
            Client::Consumer(c) => {
                let waiting = self.consumers[c]
                    .assigned
                    .iter()
                    .any(|&x| leaders[x as usize].is_none());
                self.consumers[c].leaders = leaders;
                if waiting {
                    self.metadata_retry_later(now, client, q);
                }
                self.consumer_resume_fetching(now, c, q);
            }
        }
    }

    fn metadata_retry_later(&mut self, now: Nanos, client: Client, q: &mut EventQueue<Event>) {
        let backoff = match client {
            Client::Producer(p) => self.cfg.producers[p].retry_backoff_ns,
            Client::Consumer(c) => self.consumer_cfg(c).retry_backoff_ns,
        }
        .max(1);
        let m = self.meta_state(client);
        if !m.retry_pending {
            m.retry_pending = true;
            q.schedule(now + backoff, Event::MetadataDue { client });
        }
    }

    /// A scheduled metadata retry is due.
    pub(crate) fn metadata_due(&mut self, now: Nanos, client: Client, q: &mut EventQueue<Event>) {
        self.meta_state(client).retry_pending = false;
        self.request_metadata(now, client, q);
    }
}
