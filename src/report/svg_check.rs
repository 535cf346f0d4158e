//! A render check that can fail: reads a figure's SVG and reports text that overlaps other
//! text or leaves the canvas — what makes a figure unusable on a slide. Boxes are estimated
//! from each `<text>` element's position, anchor, baseline shift (`dy`), rotation and font size,
//! with an average character width of [`CHAR_WIDTH_EM`] (DejaVu Sans, the font plotters falls
//! back to, averages about 0.55 em on labels); boxes are shrunk by [`SLACK_PX`] on every side
//! so that glyphs merely touching are not reported.

/// Average character width assumed, em (narrow on purpose: only clear overlaps are reported).
pub const CHAR_WIDTH_EM: f64 = 0.5;
/// Pixels each box is shrunk by on every side before testing.
pub const SLACK_PX: f64 = 1.5;

/// One text element's estimated box, in pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    /// The text.
    pub text: String,
    /// Left, top, right, bottom.
    pub rect: (f64, f64, f64, f64),
}

/// What is wrong with a figure's text.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// Two texts overlap.
    Overlap(String, String),
    /// A text runs past the canvas.
    Clipped(String),
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_string())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every non-empty `<text>` of `svg` with its estimated box, and the canvas size.
pub fn text_boxes(svg: &str) -> (Vec<TextBox>, (f64, f64)) {
    let num = |t: &str, n: &str| attr(t, n).and_then(|v| v.parse::<f64>().ok());
    let canvas = svg
        .find("<svg")
        .map(|i| &svg[i..])
        .map(|t| {
            (
                num(t, "width").unwrap_or(0.0),
                num(t, "height").unwrap_or(0.0),
            )
        })
        .unwrap_or((0.0, 0.0));
    let mut out = vec![];
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..close];
        let Some(end) = rest.find("</text>") else {
            break;
        };
        let text = unescape(rest[close + 1..end].trim());
        rest = &rest[end..];
        if text.is_empty() {
            continue;
        }
        let (x, y) = (num(tag, "x").unwrap_or(0.0), num(tag, "y").unwrap_or(0.0));
        let size = num(tag, "font-size").unwrap_or(16.0);
        let width = text.chars().count() as f64 * size * CHAR_WIDTH_EM;
        let (left, right) = match attr(tag, "text-anchor").as_deref() {
            Some("middle") => (x - width / 2.0, x + width / 2.0),
            Some("end") => (x - width, x),
            _ => (x, x + width),
        };
        let (top, bottom) = match attr(tag, "dy").as_deref() {
            Some("0.76em") => (y, y + size),
            Some("0.5ex") => (y - size / 2.0, y + size / 2.0),
            Some("-0.5ex") => (y - size, y),
            _ => (y - size * 0.8, y + size * 0.2),
        };
        // rotate(270, x, y) turns the box a quarter turn about (x, y).
        let rect = if attr(tag, "transform").is_some_and(|t| t.starts_with("rotate(270")) {
            (
                x + (top - y),
                y - (right - x),
                x + (bottom - y),
                y - (left - x),
            )
        } else {
            (left, top, right, bottom)
        };
        out.push(TextBox { text, rect });
    }
    (out, canvas)
}

/// Overlapping and clipped text in `svg` (empty when the figure is clean).
pub fn problems(svg: &str) -> Vec<Problem> {
    let (boxes, (w, h)) = text_boxes(svg);
    let shrink = |b: &TextBox| {
        let (l, t, r, bt) = b.rect;
        (l + SLACK_PX, t + SLACK_PX, r - SLACK_PX, bt - SLACK_PX)
    };
    let mut out = vec![];
    for (i, a) in boxes.iter().enumerate() {
        let (l, t, r, b) = shrink(a);
        if l < 0.0 || t < 0.0 || r > w || b > h {
            out.push(Problem::Clipped(a.text.clone()));
        }
        for other in &boxes[i + 1..] {
            let (l2, t2, r2, b2) = shrink(other);
            if l < r2 && l2 < r && t < b2 && t2 < b {
                out.push(Problem::Overlap(a.text.clone(), other.text.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(x: u32, y: u32, anchor: &str, s: &str) -> String {
        format!("<text x=\"{x}\" y=\"{y}\" dy=\"0.76em\" text-anchor=\"{anchor}\" font-size=\"20\">{s}</text>")
    }

    #[test]
    fn overlapping_and_clipped_text_is_found_and_clean_text_is_not() {
        let svg = |body: String| format!("<svg width=\"400\" height=\"100\">{body}</svg>");
        let clean = svg(text(10, 10, "start", "left") + &text(390, 10, "end", "right"));
        assert_eq!(problems(&clean), vec![]);
        let crowded =
            svg(text(100, 10, "middle", "a long label") + &text(120, 15, "middle", "another"));
        assert_eq!(
            problems(&crowded),
            vec![Problem::Overlap("a long label".into(), "another".into())]
        );
        let clipped = svg(text(395, 10, "start", "outside"));
        assert_eq!(problems(&clipped), vec![Problem::Clipped("outside".into())]);
    }
}
