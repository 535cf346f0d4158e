//! The KIP-848 consumer protocol from the consumer's side (Java `ConsumerMembershipManager`):
//! one ConsumerGroupHeartbeat in flight at a time, every group.consumer.heartbeat.interval.ms;
//! a new assignment is reconciled between batches (revoke what was lost — committing first —
//! then take what was added) and acknowledged at once with a heartbeat listing what is owned.
//! No JoinGroup/SyncGroup, no initial delay, no global barrier: partitions not moving are
//! consumed throughout.

use super::super::cluster::Cluster;
use super::super::event::{Event, Id};
use super::super::group::consumer_protocol::{
    HeartbeatRequest, HeartbeatResponse, LEAVE_EPOCH, STATIC_LEAVE_EPOCH,
};
use super::super::group::coordinator::GroupRequest;
use crate::engine::{EventQueue, Nanos};

impl Cluster {
    /// Join with epoch 0.
    pub(super) fn kip848_join(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &mut self.consumers[c];
        con.needs_join = false;
        con.joining = true;
        con.generation = 0;
        self.send_heartbeat848(now, c, Some(vec![]), q);
    }

    fn send_heartbeat848(
        &mut self,
        now: Nanos,
        c: Id,
        owned: Option<Vec<u32>>,
        q: &mut EventQueue<Event>,
    ) {
        let con = &mut self.consumers[c];
        con.hb_epoch += 1; // one heartbeat in flight; the reply schedules the next
        let req = HeartbeatRequest {
            member_id: con.member_id.clone(),
            member_epoch: con.generation,
            instance_id: con.instance_id.clone(),
            rebalance_timeout_ns: self.cfg.groups[con.group].consumer.rebalance_timeout_ns,
            owned,
        };
        let coord = con.coordinator;
        self.send_group(now, c, coord, GroupRequest::Heartbeat848(req), q);
    }

    /// The regular heartbeat.
    pub(super) fn kip848_heartbeat(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if self.consumers[c].member_id.is_some() && !self.consumers[c].joining {
            self.send_heartbeat848(now, c, None, q);
        }
    }

    /// Leave: epoch -1, or -2 for a static member (its partitions stay reserved for it).
    pub(super) fn kip848_leave(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &mut self.consumers[c];
        if con.member_id.is_none() {
            return;
        }
        con.generation = if con.instance_id.is_some() {
            STATIC_LEAVE_EPOCH
        } else {
            LEAVE_EPOCH
        };
        con.pending_sync = None;
        self.send_heartbeat848(now, c, None, q);
        let con = &mut self.consumers[c];
        con.hb_epoch += 1;
        con.joining = false;
        con.generation = 0;
        if con.instance_id.is_none() {
            con.member_id = None;
        }
    }

    pub(super) fn kip848_reply(
        &mut self,
        now: Nanos,
        c: Id,
        r: HeartbeatResponse,
        q: &mut EventQueue<Event>,
    ) {
        let con = &mut self.consumers[c];
        con.joining = false;
        if r.error.is_some() {
            // FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID: partitions lost; rejoin with epoch 0.
            con.generation = 0;
            con.needs_join = true;
            con.pending_sync = None;
            self.lose_partitions(now, c);
            self.app_idle(now, c, q);
            return;
        }
        if r.member_epoch < 0 {
            return; // our leave, acknowledged
        }
        con.member_id = Some(r.member_id);
        con.generation = r.member_epoch;
        if let Some(a) = r.assignment {
            con.pending_sync = Some((r.member_epoch, a));
        }
        let (client, epoch) = (con.client, con.hb_epoch);
        q.schedule(
            now + r.heartbeat_interval_ns.max(1),
            Event::HeartbeatDue { c: client, epoch },
        );
        self.app_idle(now, c, q);
    }

    /// Reconcile toward `target` (between batches), then acknowledge at once.
    pub(super) fn kip848_apply(
        &mut self,
        now: Nanos,
        c: Id,
        epoch: i32,
        target: Vec<u32>,
        q: &mut EventQueue<Event>,
    ) {
        if self.reassign(now, c, epoch, target.clone(), q).1 {
            self.send_heartbeat848(now, c, Some(target), q);
        }
    }
}
