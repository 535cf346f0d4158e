//! `cargo bench --bench throughput`: wall time of the classroom experiment (135 runs), the
//! simulation speed on a batch-heavy scenario (simulated records and events per wall second), a
//! cluster of many topics, the capacity case of issue 15 (an hour of a 1 M records/s cluster,
//! projected; memory against page size and run length) and a paced producer.
//! Each case runs 5 times; the median is reported with the machine's core count (these
//! machines are noisy: compare ratios, not absolute figures).

use kafkasim::experiment::{run, simulate};

/// As in the binary: the memory budget counts each run's bytes (its cost is part of the speed).
#[global_allocator]
static ALLOC: kafkasim::engine::memory::CountingAlloc = kafkasim::engine::memory::CountingAlloc;

use kafkasim::scenario::Scenario;
use std::time::Instant;

const HEAVY: &str = r#"
name = "batch-heavy"
[topic]
partitions = 8
[producer]
records = 10000000
"batch.size" = 262144
"linger.ms" = 20
send_cpu_us_per_record = 0.1
[consumer]
count = 8
"auto.offset.reset" = "earliest"
poll_cpu_us_per_record = 0.05
[broker]
"group.initial.rebalance.delay.ms" = 0
[host]
cores = 64
"#;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores");
    let exp = Scenario::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/partitions-experiment.toml"
    ))
    .unwrap();
    for threads in [1, 0] {
        let t = median(
            (0..5)
                .map(|_| {
                    let t0 = Instant::now();
                    run(&exp, threads).unwrap();
                    t0.elapsed().as_secs_f64()
                })
                .collect(),
        );
        println!(
            "partitions experiment (27 points x 5 seeds), threads={}: {t:.3} s wall (median of 5)",
            if threads == 0 { cores } else { 1 }
        );
    }
    let sc = Scenario::parse(HEAVY, "batch-heavy").unwrap();
    let (_, cfg) = sc.resolve_all().unwrap().remove(0);
    let mut rates = vec![];
    let mut events = vec![];
    for seed in 1..=5 {
        let t0 = Instant::now();
        let out = simulate(&cfg, seed).unwrap();
        let s = t0.elapsed().as_secs_f64();
        rates.push((out.summary.records_produced + out.summary.records_consumed) as f64 / 2.0 / s);
        events.push(out.summary.events as f64 / s);
    }
    println!("batch-heavy (10M records produced and consumed, one core): {:.1} M records/s, {:.0} k events/s (median of 5)", median(rates) / 1e6, median(events) / 1e3);
    let sc = Scenario::parse(&many_topics(), "many-topics").unwrap();
    let (_, cfg) = sc.resolve_all().unwrap().remove(0);
    let t = median(
        (1..=5)
            .map(|seed| {
                let t0 = Instant::now();
                simulate(&cfg, seed).unwrap();
                t0.elapsed().as_secs_f64()
            })
            .collect(),
    );
    println!("many topics (50 topics x 100 partitions, 50 producers, 20 groups of 4): {t:.3} s wall (median of 5)");
    scale_cases();
}

/// The capacity case (benches/scale.toml) for `seconds` of simulated production at pages of
/// `page_bytes`.
fn scale(seconds: u64, page_bytes: u64) -> Scenario {
    let mut sc = Scenario::parse(include_str!("scale.toml"), "benches/scale.toml").unwrap();
    sc.apply_set(&format!("producer.records={}", 250_000 * seconds))
        .unwrap();
    sc.apply_set(&format!("host.page_bytes={page_bytes}"))
        .unwrap();
    sc
}

/// One run of `sc` at seed 1: (wall seconds, records produced, simulated seconds, events,
/// peak bytes the run allocated).
fn timed(sc: &Scenario) -> (f64, u64, f64, u64, i64) {
    let (_, cfg) = sc.resolve_all().unwrap().remove(0);
    kafkasim::engine::memory::reset_thread_peak();
    let t0 = Instant::now();
    let out = simulate(&cfg, 1).unwrap();
    let wall = t0.elapsed().as_secs_f64();
    let s = &out.summary;
    (
        wall,
        s.records_produced,
        s.sim_end_s,
        s.events,
        kafkasim::engine::memory::thread_peak_bytes(),
    )
}

fn scale_cases() {
    // 6 s: past the first auto-commit (5 s), below which every replica keeps its batches.
    let (w, n, sim, ev, peak) = timed(&scale(6, 4096));
    println!(
        "scale (3 brokers, 100 partitions, RF 3, acks=all, 1 KB at 1 M records/s, 6 s), 4 KiB pages: {w:.2} s wall for {sim:.2} s simulated, {:.2} M records/s, {:.2} events/record, peak {:.0} MB; an hour would take {:.0} s",
        n as f64 / w / 1e6,
        ev as f64 / n as f64,
        peak as f64 / 1e6,
        w / sim * 3600.0
    );
    let (w1, _, _, _, peak1) = timed(&scale(6, 1 << 20));
    println!(
        "scale, 1 MiB pages: {w1:.2} s wall, peak {:.0} MB (4 KiB pages / 1 MiB pages: {:.2}× the time, {:.2}× the memory)",
        peak1 as f64 / 1e6,
        w / w1,
        peak as f64 / peak1 as f64
    );
    let mut bursts = scale(6, 4096);
    bursts.apply_set("producer.pacing=perf-test").unwrap();
    let (wb, nb, simb, evb, _) = timed(&bursts);
    println!(
        "scale, producers paced as kafka-producer-perf-test: {wb:.2} s wall for {simb:.2} s simulated, {:.2} M records/s, {:.2} events/record; an hour would take {:.0} s",
        nb as f64 / wb / 1e6,
        evb as f64 / nb as f64,
        wb / simb * 3600.0
    );
    let (_, n2, _, _, peak2) = timed(&scale(12, 4096));
    println!(
        "scale, 12 s instead of 6: peak {:.0} MB ({:.2}× the 6 s run's, for {:.1}× the records)",
        peak2 as f64 / 1e6,
        peak2 as f64 / peak as f64,
        n2 as f64 / n as f64
    );
    let paced = Scenario::parse(include_str!("paced.toml"), "benches/paced.toml").unwrap();
    let (w, n, _, ev, _) = timed(&paced);
    println!(
        "paced (200,000 records/s, linger.ms 1, 5 s): {:.2} M records/s, {:.2} events/record",
        n as f64 / w / 1e6,
        ev as f64 / n as f64
    );
}
/// 50 topics of 100 partitions on 3 brokers, a producer of 2,000 records per topic, and 20
/// groups of 4 consumers, each subscribed to 5 topics.
fn many_topics() -> String {
    let mut s = String::from(
        "name = \"many-topics\"\nclient = \"java\"\n[cluster]\nbrokers = 3\nlayout = \"dedicated\"\n\
         [producer]\nrecords = 2000\nkeys = \"random\"\n[consumer]\n\"auto.offset.reset\" = \"earliest\"\n",
    );
    for t in 0..50 {
        s += &format!("[[topics]]\nname = \"topic-{t:02}\"\npartitions = 100\n");
        s += &format!("[[producers]]\ntopic = \"topic-{t:02}\"\n");
    }
    for g in 0..20 {
        let topics: Vec<String> = (0..5)
            .map(|i| format!("\"topic-{:02}\"", (g * 5 + i) % 50))
            .collect();
        s += &format!(
            "[[groups]]\n\"group.id\" = \"g{g}\"\ncount = 4\ntopics = [{}]\n",
            topics.join(", ")
        );
    }
    s
}
