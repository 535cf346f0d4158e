//! `kafka-consumer-groups.sh --describe` views of the running group.

use super::cluster::Cluster;
use crate::engine::time::secs;
use crate::engine::Nanos;

impl Cluster {
    /// Each partition's owner: (member id, consumer index). For a classic group, from the
    /// coordinator's members and their last SyncGroup assignment, as the tool asks the
    /// coordinator (a crashed member stays listed until its session expires); otherwise from
    /// the consumers' own view (what they hold now).
    fn owners(&self, g: usize) -> Vec<Option<(String, usize)>> {
        let mut out = vec![None; self.cfg.partitions as usize];
        let gc = &self.cfg.groups[g];
        if gc.consumer.group && self.groups[g].kip848.is_none() {
            let n = (gc.consumer.count as usize).max(1);
            for (id, client, parts) in self.groups[g].coord.members_view() {
                for &p in parts {
                    out[p as usize] = Some((id.to_string(), gc.first as usize + client % n));
                }
            }
            return out;
        }
        for c in gc.members() {
            let con = &self.consumers[c];
            if !con.running {
                continue;
            }
            for &p in &con.assigned {
                let id = con
                    .member_id()
                    .map_or_else(|| format!("consumer-{c}"), str::to_string);
                out[p as usize] = Some((id, c));
            }
        }
        out
    }
}

/// Every group as `kafka-consumer-groups.sh --describe --all-groups` prints them at `now`.
pub fn groups_view(cl: &Cluster, now: Nanos) -> String {
    let mut s = format!("At t = {:.3} s (simulated)\n", secs(now));
    for g in 0..cl.groups.len() {
        s.push_str(&group_view(cl, g));
    }
    s
}

/// Group `g` as `kafka-consumer-groups.sh --describe --group G` prints it.
fn group_view(cl: &Cluster, g: usize) -> String {
    let group = &cl.cfg.groups[g].consumer.group_id;
    let mut s = String::new();
    if let Some(since) = cl.groups[g].coord.rebalancing_since() {
        s.push_str(&format!(
            "\nConsumer group '{group}' is rebalancing (since t = {:.3} s).\n",
            secs(since)
        ));
    }
    let owners = cl.owners(g);
    let rows: Vec<[String; 9]> = cl
        .cfg
        .subscribed(g)
        .map(|p| {
            let owner = owners[p as usize].clone();
            let (topic, partition) = cl.cfg.topic_partition(p);
            let leo = cl.leader_log(p).hw();
            let committed = cl.groups[g].coord.committed(p);
            let (id, host, client) = match owner {
                Some((id, c)) => (id, "/127.0.0.1".to_string(), format!("consumer-{c}")),
                None => ("-".into(), "-".into(), "-".into()),
            };
            [
                group.clone(),
                topic.to_string(),
                partition.to_string(),
                committed.map_or("-".into(), |o| o.to_string()),
                leo.to_string(),
                committed.map_or("-".into(), |o| leo.saturating_sub(o).to_string()),
                id,
                host,
                client,
            ]
        })
        .collect();
    let header = [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
    ];
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut l = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join(" ");
        l.truncate(l.trim_end().len());
        l.push('\n');
        l
    };
    s.push('\n');
    s.push_str(&line(header.to_vec()));
    for r in &rows {
        s.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    s
}
