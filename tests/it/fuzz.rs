//! The project's input fuzzer (issue 12): scenario text generated from the key registry and the
//! event catalogue — every key at its extremes, one past them, in range, of the wrong type, and
//! unknown keys and actions — is parsed, resolved and, when valid, run under small budgets
//! ([`untrusted::check`], shared with the libFuzzer target in `fuzz/`). No input may panic, run
//! past its wall-time guard or hold more memory than its budget (with the slack `untrusted`
//! documents). 256 inputs in `cargo test`; `KAFKASIM_FUZZ_CASES=10000 cargo test --release --test
//! it fuzz` for the long run (README, "Limits"). A failure prints the scenario text and
//! proptest's seed; the input is kept in `proptest-regressions/` and replayed first next time.

use kafkasim::experiment::untrusted;
use kafkasim::scenario::events::ACTIONS;
use kafkasim::scenario::keys::{Kind, KEYS};
use proptest::prelude::*;

/// A value `kind` accepts, biased to its bounds.
fn valid(kind: Kind) -> BoxedStrategy<String> {
    match kind {
        Kind::Int { min, max } => prop_oneof![
            3 => Just(min.to_string()),
            3 => Just(max.to_string()),
            4 => (min..=max).prop_map(|v| v.to_string()),
        ]
        .boxed(),
        Kind::Float { min, max } => prop_oneof![
            3 => Just(format!("{min:?}")),
            3 => Just(format!("{max:?}")),
            4 => (min..=max).prop_map(|v| format!("{v:?}")),
        ]
        .boxed(),
        Kind::Bool => prop_oneof![Just("true".to_string()), Just("false".to_string())].boxed(),
        Kind::Enum(words) => proptest::sample::select(words.to_vec())
            .prop_map(|w| format!("\"{w}\""))
            .boxed(),
        Kind::Text => prop_oneof![
            Just("\"\"".to_string()),
            "[ -~]{0,12}".prop_map(|s| format!("{s:?}"))
        ]
        .boxed(),
    }
}

/// A value `kind` refuses: one past its bounds, or of another type.
fn invalid(kind: Kind) -> BoxedStrategy<String> {
    let odd = prop_oneof![
        Just("\"\"".to_string()),
        Just("-1".to_string()),
        Just("9223372036854775807".to_string()),
        Just("1e308".to_string()),
        Just("nan".to_string()),
        Just("true".to_string()),
        "[a-z]{1,8}".prop_map(|s| format!("\"{s}\"")),
    ];
    match kind {
        Kind::Int { min, max } => prop_oneof![
            Just(min.saturating_sub(1).to_string()),
            Just(max.saturating_add(1).to_string()),
            odd,
        ]
        .boxed(),
        Kind::Float { max, .. } => prop_oneof![Just(format!("{:?}", max * 2.0 + 1.0)), odd].boxed(),
        _ => odd.boxed(),
    }
}

/// `key = value` lines in their TOML tables, plus events; budget and size keys left to the runner.
fn scenario() -> impl Strategy<Value = String> {
    let settable: Vec<usize> = (0..KEYS.len())
        .filter(|&i| !KEYS[i].path.starts_with("run.") && KEYS[i].path != "seeds")
        .collect();
    let key = proptest::sample::select(settable.clone()).prop_flat_map(|i| {
        let spec = &KEYS[i];
        valid(spec.kind).prop_map(move |v| (spec.path, v))
    });
    // One key in four gets a value it refuses; one scenario in ten an unknown key.
    let bad = proptest::sample::select(settable).prop_flat_map(|i| {
        let spec = &KEYS[i];
        invalid(spec.kind).prop_map(move |v| (spec.path.to_string(), v))
    });
    let unknown = "[a-z]{1,6}\\.[a-z_.]{1,12}".prop_map(|k| (k, "1".to_string()));
    let extra = prop_oneof![6 => Just(vec![]), 3 => bad.prop_map(|b| vec![b]), 1 => unknown.prop_map(|u| vec![u])];
    let event = (
        0..ACTIONS.len(),
        prop_oneof![Just(0u64), 0u64..20_000, Just(2305843009213693951)],
    )
        .prop_flat_map(|(a, at)| {
            let spec = &ACTIONS[a];
            let fields: Vec<BoxedStrategy<String>> = spec
                .fields
                .iter()
                .map(|f| {
                    valid(f.kind)
                        .prop_map(move |v| format!("{} = {v}\n", f.name))
                        .boxed()
                })
                .collect();
            fields.prop_map(move |fs| {
                format!(
                    "[[events]]\nat_ms = {at}\naction = \"{}\"\n{}",
                    spec.name,
                    fs.concat()
                )
            })
        });
    (
        proptest::collection::vec(key, 0..12),
        extra,
        proptest::collection::vec(event, 0..3),
    )
        .prop_map(|(keys, unknown, events)| {
            let mut tables: Vec<(String, Vec<String>)> = vec![];
            let mut seen: Vec<String> = vec![];
            for (path, v) in keys
                .into_iter()
                .chain(unknown.iter().map(|(k, v)| (k.as_str(), v.clone())))
            {
                if seen.iter().any(|s| s == path) {
                    continue; // TOML refuses a key twice: not the interesting failure
                }
                seen.push(path.to_string());
                let (table, rest) = path.split_once('.').unwrap_or(("", path));
                let line = format!("\"{rest}\" = {v}");
                match tables.iter_mut().find(|(t, _)| t == table) {
                    Some((_, lines)) => lines.push(line),
                    None => tables.push((table.to_string(), vec![line])),
                }
            }
            tables.sort_by_key(|(t, _)| !t.is_empty()); // top-level keys first
            let mut text = String::new();
            for (t, lines) in tables {
                if !t.is_empty() {
                    text.push_str(&format!("[{t}]\n"));
                }
                for l in lines {
                    text.push_str(&l);
                    text.push('\n');
                }
            }
            text + &events.concat()
        })
}

fn cases() -> u32 {
    std::env::var("KAFKASIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn no_generated_scenario_panics_or_runs_away(text in scenario()) {
        if let Err(broken) = untrusted::check(&text) {
            prop_assert!(false, "{broken} for\n{text}");
        }
    }
}
