//! Figures fit for a slide (issue 11): every figure of every bundled scenario, rendered afresh,
//! passes the SVG render check (`kafkasim::report::svg_check`): no text over other text, none
//! past the canvas. A deliberately crowded figure shows the check can fail.

use kafkasim::report::plot::{render, BarChart, Caption, Chart};
use kafkasim::report::svg_check::{problems, text_boxes, Problem};
use std::process::Command;

#[test]
fn every_bundled_figure_has_no_overlapping_or_clipped_text() {
    check_every_figure(&[]);
}

#[test]
fn every_bundled_figure_fits_in_the_other_sizes_and_the_dark_theme() {
    check_every_figure(&["--figure-size", "16:9", "--theme", "dark"]);
    let long = "Apache Kafka course, chapter 4: partitions, consumer groups and what the machine underneath does to both";
    check_every_figure(&["--figure-size", "4:3", "--caption", long]);
}

/// Run every bundled scenario with `look` flags and check each figure's SVG.
fn check_every_figure(look: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let mut bad = vec![];
    let mut checked = 0;
    let mut scenarios: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scenarios.sort();
    for sc in scenarios {
        let out = tmp.path().join(sc.file_stem().unwrap());
        let o = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
            .args(["run", sc.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .args(look)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}: {}",
            sc.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let mut svgs: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .collect();
        svgs.sort();
        for svg in svgs {
            checked += 1;
            let text = std::fs::read_to_string(&svg).unwrap();
            let name = svg.strip_prefix(tmp.path()).unwrap().display().to_string();
            let found = problems(&text);
            if !found.is_empty() {
                bad.push(format!("{name}: {found:?}"));
            }
            // Every rebalance marked on a timeline (R1, R2, …) has its note, or the notes end
            // with how many more there are (once: the notes were cut after R8 without a word).
            let (boxes, _) = text_boxes(&text);
            let is_mark =
                |t: &str| t.len() > 1 && t.starts_with('R') && t[1..].parse::<u32>().is_ok();
            for mark in boxes.iter().filter(|b| is_mark(&b.text)) {
                let noted = boxes
                    .iter()
                    .any(|b| b.text.starts_with(&format!("{}:", mark.text)));
                let more = boxes
                    .iter()
                    .any(|b| b.text.ends_with("more: rebalances.csv"));
                if !noted && !more {
                    bad.push(format!("{name}: rebalance {} has no note", mark.text));
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} figures rendered");
    assert!(
        bad.is_empty(),
        "{} of {checked} figures have overlapping or clipped text (reproduce: kafkasim run scenarios/NAME.toml --out DIR {}):\n{}",
        bad.len(),
        look.join(" "),
        bad.join("\n")
    );
}

#[test]
fn the_render_check_fails_on_a_crowded_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let groups = (0..60)
        .map(|i| {
            (
                format!("a.rather.long.category.name={i}"),
                vec![("value".to_string(), i as f64)],
            )
        })
        .collect();
    let chart = Chart::Bar(BarChart {
        title: "Sixty long categories on one axis".into(),
        x_label: "category".into(),
        y_label: "value (units)".into(),
        groups,
        stacked: false,
        caption: Caption("crowded on purpose".into()),
    });
    render(&chart, tmp.path(), "crowded").unwrap();
    let svg = std::fs::read_to_string(tmp.path().join("crowded.svg")).unwrap();
    let found = problems(&svg);
    assert!(
        found
            .iter()
            .any(|p| matches!(p, Problem::Overlap(a, _) if a.starts_with("a.rather"))),
        "{found:?}"
    );
}

#[test]
fn bars_spanning_two_decades_go_on_a_log_axis() {
    // Once: p50 bars of 0.6 ms were invisible beside p99.9 bars of 230 ms.
    let tmp = tempfile::tempdir().unwrap();
    for (values, log) in [(vec![0.6, 2.0, 230.0], true), (vec![10.0, 200.0], false)] {
        let chart = Chart::Bar(BarChart {
            title: "Latency".into(),
            x_label: "point".into(),
            y_label: "latency (ms)".into(),
            groups: values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("p{i}"), vec![("value".to_string(), *v)]))
                .collect(),
            stacked: false,
            caption: Caption("test".into()),
        });
        render(&chart, tmp.path(), "bars").unwrap();
        let svg = std::fs::read_to_string(tmp.path().join("bars.svg")).unwrap();
        assert_eq!(svg.contains("latency (ms, log scale)"), log, "{values:?}");
        assert_eq!(problems(&svg), vec![], "{values:?}");
    }
}
