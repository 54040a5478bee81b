//! Delegate badges laid out for perforated A4 name-badge stock: 2 across
//! and 4 down, each 90 × 55 mm, with no gap between badges, so the sheet's
//! margins are 15 mm left and right and 38.5 mm top and bottom. Each badge
//! has the conference's name (small), the delegate's name (large, shrunk to
//! fit one line, wrapped only when even the smallest size does not fit),
//! the organisation, the pass kind, a dinner mark and a QR code of its
//! check-in code at the bottom right, drawn module by module as filled
//! rectangles.

use qrcode::{Color, EcLevel, QrCode};

use super::pdf::{paint, text_width, wrap, Mark, Weight, PAGE_HEIGHT, PAGE_WIDTH};
use super::{Badge, BadgeSheet};

/// Badges across a sheet.
pub const BADGES_ACROSS: usize = 2;
/// Badges down a sheet.
pub const BADGES_DOWN: usize = 4;
pub const BADGE_WIDTH_MM: f32 = 90.0;
pub const BADGE_HEIGHT_MM: f32 = 55.0;

const POINTS_PER_MM: f32 = 72.0 / 25.4;
const WIDTH: f32 = BADGE_WIDTH_MM * POINTS_PER_MM;
const HEIGHT: f32 = BADGE_HEIGHT_MM * POINTS_PER_MM;
/// Space kept clear inside each badge's edge, in points.
const PAD: f32 = 11.0;
/// The QR code's side, quiet zone included, in points (about 28 mm).
const QR_SIDE: f32 = 80.0;
/// The quiet zone the QR specification asks for, in modules.
const QUIET_MODULES: usize = 4;
const NAME_LARGEST: f32 = 22.0;
const NAME_SMALLEST: f32 = 13.0;

/// The top-left corner of the `index`th badge on its sheet.
fn origin(index: usize) -> (f32, f32) {
    let across = (PAGE_WIDTH - WIDTH * BADGES_ACROSS as f32) / 2.0;
    let down = (PAGE_HEIGHT - HEIGHT * BADGES_DOWN as f32) / 2.0;
    let slot = index % (BADGES_ACROSS * BADGES_DOWN);
    (
        across + WIDTH * (slot % BADGES_ACROSS) as f32,
        down + HEIGHT * (slot / BADGES_ACROSS) as f32,
    )
}

/// A QR code of `data` in a square of `side` points at (`x`, `y`): one
/// rectangle per run of dark modules along a row.
fn qr(marks: &mut Vec<Mark>, data: &str, x: f32, y: f32, side: f32) {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .expect("a check-in code fits a QR code");
    let modules = code.width();
    let colours = code.to_colors();
    let unit = side / (modules + 2 * QUIET_MODULES) as f32;
    let (x, y) = (
        x + unit * QUIET_MODULES as f32,
        y + unit * QUIET_MODULES as f32,
    );
    for row in 0..modules {
        let mut col = 0;
        while col < modules {
            if colours[row * modules + col] == Color::Dark {
                let start = col;
                while col < modules && colours[row * modules + col] == Color::Dark {
                    col += 1;
                }
                marks.push(Mark::Box {
                    x: x + unit * start as f32,
                    y: y + unit * row as f32,
                    w: unit * (col - start) as f32,
                    h: unit,
                });
            } else {
                col += 1;
            }
        }
    }
}

/// The delegate's name: the largest size at which it fits one line, else
/// wrapped at the smallest size (two lines at most are shown).
fn name_lines(name: &str, width: f32) -> (f32, Vec<String>) {
    let mut size = NAME_LARGEST;
    while size > NAME_SMALLEST && text_width(name, size, Weight::Bold) > width {
        size -= 1.0;
    }
    if text_width(name, size, Weight::Bold) <= width {
        return (size, vec![name.to_owned()]);
    }
    let mut lines = wrap(name, size, Weight::Bold, width);
    lines.truncate(2);
    (size, lines)
}

fn badge(marks: &mut Vec<Mark>, sheet: &BadgeSheet, b: &Badge, (left, top): (f32, f32)) {
    let conference = sheet.conference_name.as_str();
    let inner = WIDTH - 2.0 * PAD;
    let x = left + PAD;
    let mut y = top + PAD + 8.0;
    let text = |marks: &mut Vec<Mark>, y: f32, size: f32, weight: Weight, text: String| {
        marks.push(Mark::Text {
            x,
            y,
            size,
            weight,
            text,
        })
    };
    if let Some(line) = wrap(conference, 8.0, Weight::Regular, inner)
        .into_iter()
        .next()
    {
        text(marks, y, 8.0, Weight::Regular, line);
    }
    let (size, lines) = name_lines(&b.name, inner);
    for line in lines {
        y += size * 1.15;
        text(marks, y, size, Weight::Bold, line);
    }
    let qr_left = left + WIDTH - PAD - QR_SIDE + 4.0;
    let qr_top = top + HEIGHT - PAD - QR_SIDE + 4.0;
    qr(marks, &b.code, qr_left, qr_top, QR_SIDE);
    let beside_qr = qr_left - x - 4.0;
    y = y.max(top + PAD + 40.0);
    for line in wrap(&b.organisation, 11.0, Weight::Regular, beside_qr)
        .into_iter()
        .take(2)
    {
        y += 14.0;
        text(marks, y, 11.0, Weight::Regular, line);
    }
    let bottom = top + HEIGHT - PAD;
    let pass_y = if b.dinner { bottom - 16.0 } else { bottom };
    text(marks, pass_y, 11.0, Weight::Bold, b.pass_kind.clone());
    if b.dinner {
        marks.push(Mark::Box {
            x,
            y: bottom - 7.5,
            w: 8.0,
            h: 8.0,
        });
        marks.push(Mark::Text {
            x: x + 12.0,
            y: bottom,
            size: 11.0,
            weight: Weight::Bold,
            text: "Dinner".into(),
        });
        let after = x + 12.0 + text_width("Dinner", 11.0, Weight::Bold) + 4.0;
        if let Some(line) = sheet.dinner.as_deref().and_then(|d| {
            wrap(d, 7.0, Weight::Regular, qr_left - after - 4.0)
                .into_iter()
                .next()
        }) {
            marks.push(Mark::Text {
                x: after,
                y: bottom,
                size: 7.0,
                weight: Weight::Regular,
                text: line,
            });
        }
    }
}

/// The sheets of badges, laid out.
pub fn badge_pages(sheet: &BadgeSheet) -> Vec<Vec<Mark>> {
    let per_page = BADGES_ACROSS * BADGES_DOWN;
    let pages: Vec<Vec<Mark>> = sheet
        .badges
        .chunks(per_page)
        .map(|chunk| {
            let mut marks = Vec::new();
            for (i, b) in chunk.iter().enumerate() {
                badge(&mut marks, sheet, b, origin(i));
            }
            marks
        })
        .collect();
    if pages.is_empty() {
        vec![Vec::new()]
    } else {
        pages
    }
}

/// A PDF of badges, 8 to an A4 sheet (one blank sheet when there are none).
pub fn render_badges(sheet: &BadgeSheet) -> Vec<u8> {
    paint(&badge_pages(sheet))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_badges_fill_a_sheet_without_leaving_the_page() {
        for i in 0..8 {
            let (x, y) = origin(i);
            assert!(x >= 0.0 && x + WIDTH <= PAGE_WIDTH + 0.01, "{i}");
            assert!(y >= 0.0 && y + HEIGHT <= PAGE_HEIGHT + 0.01, "{i}");
        }
        assert_eq!(origin(8), origin(0));
        // 15 mm side margins, 38.5 mm top margin.
        assert!((origin(0).0 / POINTS_PER_MM - 15.0).abs() < 0.1);
        assert!((origin(0).1 / POINTS_PER_MM - 38.5).abs() < 0.1);
    }

    #[test]
    fn long_names_shrink_then_wrap() {
        assert_eq!(name_lines("Ada Lovelace", 230.0).0, NAME_LARGEST);
        let (size, lines) = name_lines("Augusta Ada King-Noel, Countess of Lovelace", 230.0);
        assert!(size < NAME_LARGEST);
        assert!(!lines.is_empty() && lines.len() <= 2);
    }

    #[test]
    fn a_sheet_of_nine_is_two_pages() {
        let b = Badge {
            name: "Ada Lovelace".into(),
            organisation: "Cardiff".into(),
            pass_kind: "Delegate".into(),
            dinner: true,
            code: "A".repeat(58),
        };
        let sheet = BadgeSheet {
            conference_name: "Annual Conference".into(),
            dinner: Some("Sat 10 Sep, 19:30, Cardiff City Hall".into()),
            badges: vec![b; 9],
        };
        let pages = badge_pages(&sheet);
        assert_eq!(pages.len(), 2);
        let details = pages[0]
            .iter()
            .filter(|m| matches!(m, Mark::Text { text, .. } if text.starts_with("Sat 10 Sep")))
            .count();
        assert_eq!(details, 8, "each dinner badge says when and where");
    }
}
