//! Lists for staff: delegate columns, cell text safe to open in a
//! spreadsheet, the CSV format, local times, file names and summary
//! groupings. Pure: no I/O, no clock.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

use crate::organisations::OrganisationKind;
use crate::registrations::rules::{DelegateStatus, PaymentStatus};
use crate::values::money::Money;

/// The header row of every delegate export, in column order.
pub const COLUMNS: [&str; 17] = [
    "delegate_id",
    "name",
    "email",
    "organisation",
    "organisation_kind",
    "region",
    "dinner",
    "dietary_requirements",
    "access_requirements",
    "tier",
    "fee",
    "currency",
    "payment_status",
    "reference",
    "registered_at",
    "status",
    "pass_kind",
];

/// Indexes of the `dietary_requirements` and `access_requirements`
/// columns.
pub const REQUIREMENT_COLUMNS: [usize; 2] = [7, 8];

/// Which columns a delegate list has: all of them, or (for staff who see
/// delegate lists without requirements: the `credentials` role without
/// `conference`) all but the dietary and access requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelegateColumns {
    All,
    WithoutRequirements,
}

impl DelegateColumns {
    /// Whether the column at this index of [`COLUMNS`] is in the list.
    pub fn keeps(self, index: usize) -> bool {
        self == DelegateColumns::All || !REQUIREMENT_COLUMNS.contains(&index)
    }

    /// The header row.
    pub fn header(self) -> Vec<&'static str> {
        self.pick(COLUMNS.iter().copied())
    }

    /// The cells (or widths, or names) of the kept columns, from values in
    /// [`COLUMNS`] order.
    pub fn pick<T>(self, values: impl IntoIterator<Item = T>) -> Vec<T> {
        values
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.keeps(*i))
            .map(|(_, v)| v)
            .collect()
    }
}

/// Index of the `fee` column.
pub const FEE_COLUMN: usize = 10;
/// Index of the `dinner` column.
pub const DINNER_COLUMN: usize = 6;
/// Index of the `registered_at` column.
pub const REGISTERED_AT_COLUMN: usize = 14;

/// Characters that make a spreadsheet treat a cell as a formula (or that
/// hide one behind leading whitespace).
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text that a spreadsheet will show as text: a cell starting with a
/// formula trigger gets a leading `'`.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Which list an export is, as named in its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListName {
    Delegates,
    Dinner,
    Motions,
    CacNominations,
    RoomingList,
    Badges,
    Attendance,
    Payments,
}

impl ListName {
    /// The dinner list when only diners were asked for.
    pub fn for_dinner_filter(dinner: Option<bool>) -> Self {
        if dinner == Some(true) {
            ListName::Dinner
        } else {
            ListName::Delegates
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ListName::Delegates => "delegates",
            ListName::Dinner => "dinner",
            ListName::Motions => "motions",
            ListName::CacNominations => "cac-nominations",
            ListName::RoomingList => "rooming-list",
            ListName::Badges => "badges",
            ListName::Attendance => "attendance",
            ListName::Payments => "payments",
        }
    }
}

/// `annual-2016-delegates-2016-08-23.csv`: conference slug, list, the date
/// of the export in the conference's zone, extension.
pub fn file_name(slug: &str, list: ListName, on: NaiveDate, extension: &str) -> String {
    format!(
        "{slug}-{}-{}.{extension}",
        list.as_str(),
        on.format("%Y-%m-%d")
    )
}

/// One delegate as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub delegate_id: String,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub organisation_kind: OrganisationKind,
    pub region: String,
    pub dinner: bool,
    pub dietary_requirements: String,
    pub access_requirements: String,
    pub tier: String,
    pub fee: Money,
    pub currency: String,
    pub payment_status: PaymentStatus,
    pub reference: String,
    /// When the registration was received, in UTC.
    pub registered_at: DateTime<Utc>,
    pub status: DelegateStatus,
    /// The pass kind's code.
    pub pass_kind: String,
}

impl ExportRow {
    /// `registered_at` on the conference's wall clock.
    pub fn registered_local(&self, tz: Tz) -> NaiveDateTime {
        self.registered_at.with_timezone(&tz).naive_local()
    }

    /// The text cells in column order, neutralised; `fee` is a plain
    /// two-decimal number and `registered_at` RFC 3339 with the
    /// conference's offset.
    pub fn cells(&self, tz: Tz) -> [String; COLUMNS.len()] {
        let text = |s: &str| neutralise(s).into_owned();
        [
            text(&self.delegate_id),
            text(&self.name),
            text(&self.email),
            text(&self.organisation),
            self.organisation_kind.as_str().to_owned(),
            text(&self.region),
            self.dinner.to_string(),
            text(&self.dietary_requirements),
            text(&self.access_requirements),
            text(&self.tier),
            self.fee.to_string(),
            text(&self.currency),
            self.payment_status.as_str().to_owned(),
            text(&self.reference),
            local_time(self.registered_at, tz),
            self.status.as_str().to_owned(),
            text(&self.pass_kind),
        ]
    }
}

/// An instant on the conference's wall clock, with its offset, as every
/// export writes it: `2016-05-01T13:00:00+01:00`.
pub fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The bytes of a CSV file as every export writes it: UTF-8 with a byte
/// order mark (so Excel reads it as UTF-8), CRLF line ends, RFC 4180
/// quoting, and every cell neutralised against formula injection.
pub fn csv_file<R, C>(header: &[&str], rows: R) -> csv::Result<Vec<u8>>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut w = csv_writer(BOM.as_bytes());
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.into_iter().map(|c| neutralise(c.as_ref()).into_owned()))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// [`csv_file`], but the cells of the `numeric` columns are written as they
/// are: amounts the application formatted itself, which may start with
/// `-` and must stay numbers in a spreadsheet.
pub fn csv_file_with_numbers<R, C>(
    header: &[&str],
    rows: R,
    numeric: &[usize],
) -> csv::Result<Vec<u8>>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut w = csv_writer(BOM.as_bytes());
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.into_iter().enumerate().map(|(i, c)| {
            if numeric.contains(&i) {
                c.as_ref().to_owned()
            } else {
                neutralise(c.as_ref()).into_owned()
            }
        }))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The byte order mark that starts every CSV file.
pub const BOM: &str = "\u{feff}";

/// A CSV writer as every export uses it, into a buffer that starts with
/// `prefix`.
pub fn csv_writer(prefix: &[u8]) -> csv::Writer<Vec<u8>> {
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(prefix);
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// An Excel number format showing an amount in a currency: the symbol for
/// the common ones, the ISO code otherwise.
pub fn money_format(currency: &str) -> String {
    let symbol = match currency {
        "GBP" => "£",
        "EUR" => "€",
        "USD" => "$",
        other => return format!("#,##0.00 \"{other}\";-#,##0.00 \"{other}\""),
    };
    format!("\"{symbol}\"#,##0.00;-\"{symbol}\"#,##0.00")
}

/// The grouping key of a dietary requirement: trimmed and lower-cased;
/// `None` when there is none.
pub fn dietary_key(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_lowercase())
}

/// Merges counts of dietary texts that differ only in case or surrounding
/// whitespace; most frequent first, then alphabetical.
pub fn group_dietary(counts: impl IntoIterator<Item = (String, i64)>) -> Vec<(String, i64)> {
    let mut merged: BTreeMap<String, i64> = BTreeMap::new();
    for (text, n) in counts {
        if let Some(key) = dietary_key(&text) {
            *merged.entry(key).or_default() += n;
        }
    }
    let mut out: Vec<(String, i64)> = merged.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Money across a conference's registrations, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MoneyTotals {
    /// Sum of the registrations' totals.
    pub registered: i64,
    /// Sum of amounts paid.
    pub paid: i64,
    /// Sum of what is still owed (positive balances).
    pub outstanding: i64,
    /// Sum of overpayments to return (negative balances, as positive).
    pub refunds_due: i64,
}

impl MoneyTotals {
    /// Adds one registration's total and amount paid.
    pub fn add(&mut self, total: i64, paid: i64) {
        self.registered += total;
        self.paid += paid;
        let balance = total - paid;
        if balance > 0 {
            self.outstanding += balance;
        } else {
            self.refunds_due -= balance;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn numeric_columns_stay_numbers() {
        let bytes = csv_file_with_numbers(
            &["reference", "amount"],
            [["=HYPERLINK(1)", "-45.00"], ["-abc", "135.00"]],
            &[1],
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}reference,amount\r\n'=HYPERLINK(1),-45.00\r\n'-abc,135.00\r\n"
        );
    }

    #[test]
    fn formula_triggers_are_prefixed() {
        for s in [
            "=HYPERLINK(\"http://evil\")",
            "+44 7700",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(s), format!("'{s}"));
        }
        for s in ["Ada", "", " =x", "a=b", "'quoted"] {
            assert_eq!(neutralise(s), s);
        }
    }

    #[test]
    fn file_names_carry_slug_list_and_date() {
        let on = NaiveDate::from_ymd_opt(2016, 8, 23).unwrap();
        assert_eq!(
            file_name("annual-2016", ListName::Delegates, on, "csv"),
            "annual-2016-delegates-2016-08-23.csv"
        );
        assert_eq!(
            file_name(
                "annual-2016",
                ListName::for_dinner_filter(Some(true)),
                on,
                "xlsx"
            ),
            "annual-2016-dinner-2016-08-23.xlsx"
        );
        assert_eq!(
            ListName::for_dinner_filter(Some(false)),
            ListName::Delegates
        );
        assert_eq!(ListName::for_dinner_filter(None), ListName::Delegates);
    }

    fn row() -> ExportRow {
        ExportRow {
            delegate_id: "d1".into(),
            name: "=HYPERLINK(\"http://evil\")".into(),
            email: "ada@example.org".into(),
            organisation: "Cardiff".into(),
            organisation_kind: OrganisationKind::LocalParty,
            region: "Wales".into(),
            dinner: true,
            dietary_requirements: "+44 7700".into(),
            access_requirements: "@SUM(A1)".into(),
            tier: "early".into(),
            fee: Money::from_minor(13500),
            currency: "GBP".into(),
            payment_status: PaymentStatus::PartPaid,
            reference: "PL-AAAA-BBBB".into(),
            registered_at: Utc.with_ymd_and_hms(2016, 5, 1, 12, 0, 0).unwrap(),
            status: DelegateStatus::Active,
            pass_kind: "visitor".into(),
        }
    }

    #[test]
    fn cells_are_formatted_and_neutralised() {
        let cells = row().cells(chrono_tz::Europe::London);
        assert_eq!(cells.len(), COLUMNS.len());
        assert_eq!(cells[1], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(cells[DINNER_COLUMN], "true");
        assert_eq!(cells[7], "'+44 7700");
        assert_eq!(cells[8], "'@SUM(A1)");
        assert_eq!(cells[FEE_COLUMN], "135.00");
        assert_eq!(cells[12], "part_paid");
        assert_eq!(cells[16], "visitor");
        assert_eq!(cells[REGISTERED_AT_COLUMN], "2016-05-01T13:00:00+01:00");
        assert_eq!(
            row().cells(chrono_tz::UTC)[REGISTERED_AT_COLUMN],
            "2016-05-01T12:00:00+00:00"
        );
    }

    #[test]
    fn local_time_follows_the_zone() {
        let winter = ExportRow {
            registered_at: Utc.with_ymd_and_hms(2016, 1, 10, 9, 30, 0).unwrap(),
            ..row()
        };
        let london = chrono_tz::Europe::London;
        assert_eq!(
            winter.registered_local(london).to_string(),
            "2016-01-10 09:30:00"
        );
        assert_eq!(
            row().registered_local(london).to_string(),
            "2016-05-01 13:00:00"
        );
    }

    #[test]
    fn csv_files_have_a_bom_crlf_and_neutralised_cells() {
        let bytes = csv_file(&["a", "b"], [vec!["=1", "x,y"]]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "\u{feff}a,b\r\n'=1,\"x,y\"\r\n");
    }

    #[test]
    fn money_formats_name_the_currency() {
        assert_eq!(money_format("GBP"), "\"£\"#,##0.00;-\"£\"#,##0.00");
        assert_eq!(money_format("SEK"), "#,##0.00 \"SEK\";-#,##0.00 \"SEK\"");
    }

    #[test]
    fn lists_without_requirements_drop_exactly_those_columns() {
        let header = DelegateColumns::WithoutRequirements.header();
        assert_eq!(header.len(), COLUMNS.len() - 2);
        assert!(!header.contains(&"dietary_requirements"));
        assert!(!header.contains(&"access_requirements"));
        assert_eq!(DelegateColumns::All.header(), COLUMNS.to_vec());
        assert_eq!(COLUMNS[REQUIREMENT_COLUMNS[0]], "dietary_requirements");
        assert_eq!(COLUMNS[REQUIREMENT_COLUMNS[1]], "access_requirements");
    }

    #[test]
    fn dietary_texts_group_case_insensitively() {
        let grouped = group_dietary([
            ("Vegetarian".to_owned(), 2),
            (" vegetarian ".to_owned(), 1),
            ("".to_owned(), 7),
            ("   ".to_owned(), 1),
            ("Vegan".to_owned(), 1),
            ("halal".to_owned(), 1),
        ]);
        assert_eq!(
            grouped,
            vec![
                ("vegetarian".to_owned(), 3),
                ("halal".to_owned(), 1),
                ("vegan".to_owned(), 1)
            ]
        );
        assert_eq!(dietary_key("  "), None);
    }

    #[test]
    fn money_totals_split_balances() {
        let mut t = MoneyTotals::default();
        t.add(13500, 0);
        t.add(9000, 9000);
        t.add(0, 4500);
        t.add(20000, 5000);
        assert_eq!(
            t,
            MoneyTotals {
                registered: 42500,
                paid: 18500,
                outstanding: 28500,
                refunds_due: 4500,
            }
        );
    }
}
