//! Layout and painting: a document is first laid out into pages of
//! positioned text and rules (pure), then painted with krilla.

use std::sync::LazyLock;

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

use super::{format_money, long_date, InvoiceDocument, Issuer, ReceiptDocument};
use crate::values::money::Money;

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Bold.ttf");

static REGULAR: LazyLock<Font> =
    LazyLock::new(|| Font::new(REGULAR_TTF.into(), 0).expect("the shipped font loads"));
static BOLD: LazyLock<Font> =
    LazyLock::new(|| Font::new(BOLD_TTF.into(), 0).expect("the shipped font loads"));

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.0;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// Something drawn at a place on a page (y down from the top; text at its
/// baseline).
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    /// A filled rectangle (rules, QR modules).
    Box { x: f32, y: f32, w: f32, h: f32 },
}

fn ttf(weight: Weight) -> &'static [u8] {
    match weight {
        Weight::Regular => REGULAR_TTF,
        Weight::Bold => BOLD_TTF,
    }
}

/// The width of a line of text, in points.
pub fn text_width(text: &str, size: f32, weight: Weight) -> f32 {
    let font = skrifa::FontRef::new(ttf(weight)).expect("the shipped font parses");
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size / 2.0)
        })
        .sum()
}

/// Words of `text` in lines no wider than `width` (a word wider than the
/// line stands alone).
pub fn wrap(text: &str, size: f32, weight: Weight, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && text_width(&candidate, size, weight) > width {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// Pages of marks, filled top to bottom with a new page when one is full.
pub struct Pages {
    pub pages: Vec<Vec<Mark>>,
    y: f32,
}

impl Default for Pages {
    fn default() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }
}

impl Pages {
    fn page(&mut self) -> &mut Vec<Mark> {
        self.pages.last_mut().expect("there is always a page")
    }

    pub fn mark(&mut self, mark: Mark) {
        self.page().push(mark);
    }

    pub fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: impl Into<String>) {
        self.mark(Mark::Text {
            x,
            y,
            size,
            weight,
            text: text.into(),
        });
    }

    /// Text ending at `right`.
    fn text_right(&mut self, right: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let x = right - text_width(text, size, weight);
        self.text(x, y, size, weight, text);
    }

    /// Room for `height` more points, or a new page.
    fn need(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// A line of text in the flow.
    fn line(&mut self, size: f32, weight: Weight, text: &str) {
        self.need(size * 1.4);
        self.y += size * 1.4;
        let y = self.y;
        self.text(MARGIN, y, size, weight, text);
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }

    fn rule(&mut self) {
        self.need(8.0);
        self.y += 6.0;
        let y = self.y;
        self.mark(Mark::Box {
            x: MARGIN,
            y,
            w: RIGHT - MARGIN,
            h: 0.6,
        });
    }

    /// A label and a value in two columns.
    fn field(&mut self, label: &str, value: &str) {
        self.need(15.0);
        self.y += 15.0;
        let y = self.y;
        self.text(MARGIN, y, 10.0, Weight::Bold, label);
        self.text(MARGIN + 130.0, y, 10.0, Weight::Regular, value);
    }

    /// A label and an amount, right-aligned, for totals.
    fn amount(&mut self, label: &str, value: &str, weight: Weight) {
        self.need(16.0);
        self.y += 16.0;
        let y = self.y;
        self.text_right(RIGHT - 110.0, y, 11.0, weight, label);
        self.text_right(RIGHT, y, 11.0, weight, value);
    }
}

/// The issuer's name and address at the top, the document's title at the
/// right.
fn heading(p: &mut Pages, issuer: &Issuer, title: &str) {
    p.text_right(RIGHT, MARGIN + 22.0, 22.0, Weight::Bold, title);
    p.line(14.0, Weight::Bold, &issuer.name);
    for line in issuer.address.lines().filter(|l| !l.trim().is_empty()) {
        p.line(10.0, Weight::Regular, line.trim());
    }
    p.gap(18.0);
}

fn addressee(p: &mut Pages, name: &str, address: Option<&str>) {
    p.line(9.0, Weight::Bold, "To");
    p.line(11.0, Weight::Regular, name);
    for line in address
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        p.line(11.0, Weight::Regular, line.trim());
    }
    p.gap(12.0);
}

fn payment_details(p: &mut Pages, issuer: &Issuer, reference: &str) {
    p.gap(18.0);
    p.line(11.0, Weight::Bold, "How to pay");
    for line in wrap(
        &format!("Please quote the booking reference {reference} with your payment."),
        10.0,
        Weight::Regular,
        RIGHT - MARGIN,
    ) {
        p.line(10.0, Weight::Regular, &line);
    }
    for line in issuer
        .payment_details
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        p.line(10.0, Weight::Regular, line.trim());
    }
}

/// An invoice or credit note, laid out.
pub fn invoice_pages(d: &InvoiceDocument) -> Pages {
    let money = |m| format_money(m, &d.currency);
    let mut p = Pages::default();
    heading(&mut p, &d.issuer, d.kind.title());
    addressee(&mut p, &d.organisation_name, d.billing_address.as_deref());
    p.field(&format!("{} number", d.kind.title()), &d.number);
    p.field("Date of issue", &long_date(d.issued_on));
    if let Some(due) = d.due_on {
        p.field("Payment due by", &long_date(due));
    }
    p.field("Booking reference", &d.reference);
    p.field("Conference", &d.conference_name);
    if let Some(credited) = &d.credits {
        p.field("Credits invoice", credited);
    }
    p.gap(14.0);
    let (tier_x, amount_right) = (MARGIN + 300.0, RIGHT);
    p.need(20.0);
    p.y += 14.0;
    let y = p.y;
    p.text(MARGIN, y, 10.0, Weight::Bold, "Description");
    p.text(tier_x, y, 10.0, Weight::Bold, "Price tier");
    p.text_right(amount_right, y, 10.0, Weight::Bold, "Amount");
    p.rule();
    for line in &d.lines {
        let wrapped = wrap(&line.description, 10.0, Weight::Regular, 290.0);
        p.need(14.0 * wrapped.len() as f32 + 4.0);
        p.y += 14.0;
        let y = p.y;
        p.text(tier_x, y, 10.0, Weight::Regular, line.tier.clone());
        p.text_right(amount_right, y, 10.0, Weight::Regular, &money(line.amount));
        for (i, text) in wrapped.into_iter().enumerate() {
            if i > 0 {
                p.y += 13.0;
            }
            let y = p.y;
            p.text(MARGIN, y, 10.0, Weight::Regular, text);
        }
    }
    p.rule();
    let total_label = match d.kind {
        super::DocumentKind::Invoice => "Total",
        super::DocumentKind::CreditNote => "Total credited",
    };
    p.amount(total_label, &money(d.total), Weight::Bold);
    if let Some(paid) = d.amount_paid {
        p.amount("Amount paid", &money(paid), Weight::Regular);
    }
    if let Some(balance) = d.balance {
        p.amount("Balance due", &money(balance), Weight::Bold);
    }
    match d.kind {
        super::DocumentKind::Invoice => payment_details(&mut p, &d.issuer, &d.reference),
        super::DocumentKind::CreditNote => {
            p.gap(18.0);
            let note = format!(
                "This credit note reduces the amount owed under invoice {} by {}.",
                d.credits.as_deref().unwrap_or_default(),
                money(d.total)
            );
            for line in wrap(&note, 10.0, Weight::Regular, RIGHT - MARGIN) {
                p.line(10.0, Weight::Regular, &line);
            }
        }
    }
    p
}

/// A receipt (or refund receipt), laid out.
pub fn receipt_pages(r: &ReceiptDocument) -> Pages {
    let money = |m| format_money(m, &r.currency);
    let mut p = Pages::default();
    let (title, on, by, amount, thanks) = if r.refund {
        (
            "Refund receipt",
            "Refunded on",
            "Refunded by",
            "Amount refunded",
            "We have returned this amount to you.",
        )
    } else {
        (
            "Receipt",
            "Received on",
            "Paid by",
            "Amount received",
            "Thank you for your payment.",
        )
    };
    heading(&mut p, &r.issuer, title);
    addressee(&mut p, &r.organisation_name, None);
    p.field("Booking reference", &r.reference);
    p.field("Conference", &r.conference_name);
    p.field(on, &long_date(r.received_on));
    p.field(by, &r.method);
    p.field("Payment reference", &r.payment_reference);
    p.gap(14.0);
    p.rule();
    p.amount(amount, &money(r.amount), Weight::Bold);
    p.amount("Booking total", &money(r.total), Weight::Regular);
    p.amount("Paid in all", &money(r.amount_paid), Weight::Regular);
    if r.balance < Money::ZERO {
        p.amount(
            "Credit still to refund",
            &money(Money::from_minor(-r.balance.minor())),
            Weight::Bold,
        );
    } else {
        p.amount("Balance due", &money(r.balance), Weight::Bold);
    }
    p.gap(18.0);
    p.line(10.0, Weight::Regular, thanks);
    p
}

/// Paints laid-out pages into a PDF.
pub fn paint(pages: &[Vec<Mark>]) -> Vec<u8> {
    let mut document = Document::new();
    for marks in pages {
        let mut page = document.start_page_with(
            PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a valid size"),
        );
        let mut surface = page.surface();
        let mut boxes = PathBuilder::new();
        for mark in marks {
            match mark {
                Mark::Text {
                    x,
                    y,
                    size,
                    weight,
                    text,
                } => {
                    let font = match weight {
                        Weight::Regular => REGULAR.clone(),
                        Weight::Bold => BOLD.clone(),
                    };
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        font,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Mark::Box { x, y, w, h } => {
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        boxes.push_rect(rect);
                    }
                }
            }
        }
        if let Some(path) = boxes.finish() {
            surface.draw_path(&path);
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .expect("a document of text and rectangles serialises")
}

pub fn render_invoice(d: &InvoiceDocument) -> Vec<u8> {
    paint(&invoice_pages(d).pages)
}

pub fn render_receipt(r: &ReceiptDocument) -> Vec<u8> {
    paint(&receipt_pages(r).pages)
}
