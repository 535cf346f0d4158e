//! Work on a host's cores, and what happens when it ends.
//!
//! A thread's CPU work goes to its host's [`Cpu`](crate::hardware::Cpu) (processor sharing:
//! its end depends on what else runs meanwhile), with the event that follows it. Each host has
//! a timer, [`Event::CpuDone`], at the next instant its CPU reports: a job ending or starting
//! (one event per instant: a timer already pending for it is not scheduled twice).
//! When a job ends its event is handled then (or at `not_before`, whichever is later: a thread
//! that also waits for its disk writes).
//!
//! With `cluster.shared_cpu` every host's jobs run on host 0's cores (one machine under
//! containers or network namespaces) and each host is counted the work of its own jobs as they
//! end.

use super::cluster::Cluster;
use super::event::{Event, Id, Request};
use crate::engine::{EventQueue, Model, Nanos};

/// The events waiting for CPU work, by job tag, and each host's timer.
#[derive(Default)]
pub struct CpuJobs {
    /// Per tag: the event that follows the job, and the earliest it may be handled.
    then: Vec<Option<(Event, Nanos)>>,
    /// Tags free for reuse.
    free: Vec<u64>,
    /// Per tag: the host whose thread runs the job, and its work, ns.
    owner: Vec<(Id, Nanos)>,
    /// Per host, the instants of its CpuDone events in the queue (rarely more than two).
    timers: Vec<Vec<Nanos>>,
    ended: Vec<u64>,
    /// Per host, the host whose cores run its threads: itself, or host 0 when they share.
    cpu_of: Vec<Id>,
    /// Per host, the work of its jobs that have ended, ns (what a shared machine's accounting
    /// gives each host, as cpuacct gives each cgroup).
    pub done_ns: Vec<u64>,
}

impl CpuJobs {
    /// For `hosts` hosts, each on its own cores or all on host 0's (`shared`).
    pub fn new(hosts: usize, shared: bool) -> Self {
        Self {
            timers: vec![Vec::new(); hosts],
            cpu_of: (0..hosts).map(|h| if shared { 0 } else { h }).collect(),
            done_ns: vec![0; hosts],
            ..Self::default()
        }
    }
}

impl Cluster {
    /// Run `work_ns` of CPU on `host`, runnable from `start` (≥ now: after a GC pause, a disk
    /// read), then handle `then`.
    pub(crate) fn on_cpu(
        &mut self,
        q: &mut EventQueue<Event>,
        host: Id,
        start: Nanos,
        work_ns: Nanos,
        then: Event,
    ) {
        self.on_cpu_then(q, host, start, work_ns, then, 0);
    }

    /// As [`Cluster::on_cpu`], with `then` handled no earlier than `not_before`; returns the
    /// job's tag (none for no work: `then` is scheduled at once).
    pub(crate) fn on_cpu_then(
        &mut self,
        q: &mut EventQueue<Event>,
        host: Id,
        start: Nanos,
        work_ns: Nanos,
        then: Event,
        not_before: Nanos,
    ) -> Option<u64> {
        let now = q.now();
        if work_ns == 0 {
            q.schedule(start.max(not_before).max(now), then);
            return None;
        }
        let jobs = &mut self.cpu_jobs;
        let tag = match jobs.free.pop() {
            Some(t) => {
                jobs.then[t as usize] = Some((then, not_before));
                jobs.owner[t as usize] = (host, work_ns);
                t
            }
            None => {
                jobs.then.push(Some((then, not_before)));
                jobs.owner.push((host, work_ns));
                jobs.then.len() as u64 - 1
            }
        };
        let machine = jobs.cpu_of[host];
        self.hosts[machine]
            .cpu
            .submit(now, start.max(now), work_ns, tag);
        self.arm_cpu(q, machine);
        Some(tag)
    }

    /// Withdraw job `tag` of `host` if it has not started by `now` (its event is dropped; a
    /// timer armed for it finds nothing); returns whether it was withdrawn.
    pub(crate) fn cancel_cpu(&mut self, now: Nanos, host: Id, tag: u64) -> bool {
        let machine = self.cpu_jobs.cpu_of[host];
        if !self.hosts[machine].cpu.cancel(now, tag) {
            return false;
        }
        self.cpu_jobs.then[tag as usize] = None;
        self.cpu_jobs.free.push(tag);
        true
    }

    /// Send `req` from `host` to `broker` once `work_ns` of CPU from `now` has built it.
    pub(crate) fn send_after_cpu(
        &mut self,
        q: &mut EventQueue<Event>,
        now: Nanos,
        host: Id,
        work_ns: Nanos,
        broker: Id,
        req: Request,
    ) {
        let then = Event::Send {
            from: host,
            broker,
            req: Box::new(req),
        };
        self.on_cpu(q, host, now, work_ns, then);
    }

    fn arm_cpu(&mut self, q: &mut EventQueue<Event>, host: Id) {
        if let Some(next) = self.hosts[host].cpu.next_event_ns() {
            let timers = &mut self.cpu_jobs.timers[host];
            if !timers.contains(&next) {
                timers.push(next);
                q.schedule(next, Event::CpuDone { host });
            }
        }
    }

    /// `host`'s CPU timer: jobs that ended now are followed by their events.
    pub(crate) fn cpu_done(&mut self, now: Nanos, host: Id, q: &mut EventQueue<Event>) {
        let timers = &mut self.cpu_jobs.timers[host];
        if let Some(i) = timers.iter().position(|&t| t == now) {
            timers.swap_remove(i);
        }
        let mut ended = std::mem::take(&mut self.cpu_jobs.ended);
        self.hosts[host].cpu.advance(now, &mut ended);
        for tag in ended.drain(..) {
            let (then, not_before) = self.cpu_jobs.then[tag as usize]
                .take()
                .expect("a job's event is kept until it ends");
            let (owner, work_ns) = self.cpu_jobs.owner[tag as usize];
            self.cpu_jobs.done_ns[owner] += work_ns;
            self.cpu_jobs.free.push(tag);
            if not_before > now {
                q.schedule(not_before, then);
            } else {
                self.handle(now, then, q);
            }
        }
        self.cpu_jobs.ended = ended;
        self.arm_cpu(q, host);
    }
}
