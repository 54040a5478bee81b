//! Export operations: each list's query and file, for staff.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::rules::{self as export, DelegateColumns, ExportRow, ListName, MoneyTotals, COLUMNS};
pub use super::store::ExportFilter;
use super::store::{self as q, ExportRecord};
use crate::conferences::{self, Conference};
use crate::db::DbConnection;
use crate::deadlines::rules as deadlines;
use crate::ids::{ConferenceId, OrganisationId};
use crate::ops::role::{self, Needs, StaffRole};
use crate::ops::{Actor, Error};
use crate::organisations;
use crate::registrations::ops::{self as registrations, PaymentsFilter};
use crate::rooms;
use crate::submissions::rules::SubmissionKind;
use crate::submissions::store as subs;
use crate::values::money::Money;

/// CSV bytes gathered before they are handed on.
pub const CSV_CHUNK_BYTES: usize = 64 * 1024;
/// Column widths of the XLSX export, in characters, in column order.
const XLSX_WIDTHS: [f64; COLUMNS.len()] = [
    38.0, 28.0, 32.0, 30.0, 16.0, 24.0, 8.0, 28.0, 28.0, 12.0, 12.0, 10.0, 15.0, 16.0, 20.0, 11.0,
    12.0,
];

fn csv_error(e: csv::Error) -> Error {
    Error::Internal(e.into())
}

fn xlsx_error(e: XlsxError) -> Error {
    Error::Internal(e.into())
}

/// A delegate list about to be written: the conference, the filter and the
/// file name, checked before any byte is sent.
#[derive(Debug, Clone)]
pub struct DelegateList {
    pub conference_id: ConferenceId,
    pub filter: ExportFilter,
    pub timezone: Tz,
    pub currency: String,
    pub file_name: String,
    /// Decided by the actor's roles: without dietary and access
    /// requirements unless they may see them (`conference`).
    pub columns: DelegateColumns,
}

/// Checks a delegate list request (staff with `conference` or
/// `credentials`; the conference and any named organisation exist), names
/// its file and decides its columns: the dietary and access requirements
/// only for `conference` (or `admin`).
pub fn delegate_list(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    filter: ExportFilter,
    now: DateTime<Utc>,
    extension: &str,
) -> Result<DelegateList, Error> {
    if !actor
        .staff_roles()
        .is_some_and(|r| r.permit_any(role::ConferenceOrCredentials::ROLES))
    {
        return Err(Error::Forbidden("Only staff may do this."));
    }
    let columns = if actor.permits(StaffRole::Conference) {
        DelegateColumns::All
    } else {
        DelegateColumns::WithoutRequirements
    };
    let conference = conferences::ops::get(conn, conference_id)?;
    if let Some(org) = &filter.organisation_id {
        if !organisations::store::exists(conn, org)? {
            return Err(Error::validation("organisation_id", "no such organisation"));
        }
    }
    let spec = conference.spec;
    let file_name = export::file_name(
        &spec.slug,
        ListName::for_dinner_filter(filter.dinner),
        deadlines::local_date(now, spec.timezone),
        extension,
    );
    Ok(DelegateList {
        conference_id: conference.id,
        filter,
        timezone: spec.timezone,
        currency: spec.currency,
        file_name,
        columns,
    })
}

/// Writes the whole CSV (BOM, header, rows) from one query as it runs, in
/// chunks of about [`CSV_CHUNK_BYTES`], each handed to `sink`; stops early,
/// and quietly, when `sink` says the reader has gone (returns false).
pub fn write_delegates_csv(
    conn: &mut DbConnection,
    list: &DelegateList,
    mut sink: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), Error> {
    let mut w = export::csv_writer(export::BOM.as_bytes());
    w.write_record(list.columns.header()).map_err(csv_error)?;
    for rec in q::records(conn, &list.conference_id, &list.filter)? {
        w.write_record(
            list.columns
                .pick(ExportRow::from(rec?).cells(list.timezone)),
        )
        .map_err(csv_error)?;
        if w.get_ref().len() >= CSV_CHUNK_BYTES {
            let full = std::mem::replace(&mut w, export::csv_writer(&[]));
            if !sink(
                full.into_inner()
                    .map_err(|e| csv_error(e.into_error().into()))?,
            ) {
                return Ok(());
            }
        }
    }
    sink(
        w.into_inner()
            .map_err(|e| csv_error(e.into_error().into()))?,
    );
    Ok(())
}

/// A fee as an Excel number (a double, as every spreadsheet number is).
fn fee_number(fee: Money) -> f64 {
    fee.amount().to_f64().unwrap_or_default()
}

fn write_xlsx_row(
    sheet: &mut Worksheet,
    row: u32,
    list: &DelegateList,
    rec: ExportRecord,
    money: &Format,
    datetime: &Format,
) -> Result<(), XlsxError> {
    let r = ExportRow::from(rec);
    let local = r.registered_local(list.timezone);
    let cells = list
        .columns
        .pick(r.cells(list.timezone).into_iter().enumerate());
    for (col, (index, cell)) in cells.iter().enumerate() {
        let col = col as u16;
        match *index {
            export::FEE_COLUMN => {
                sheet.write_number_with_format(row, col, fee_number(r.fee), money)?
            }
            export::DINNER_COLUMN => sheet.write_boolean(row, col, r.dinner)?,
            export::REGISTERED_AT_COLUMN => {
                sheet.write_datetime_with_format(row, col, local, datetime)?
            }
            _ => sheet.write_string(row, col, cell)?,
        };
    }
    Ok(())
}

/// The whole workbook, written from one query as it runs; the sheet is
/// kept on disk while it is written. Bold frozen header with an
/// autofilter, fees as numbers in the conference's currency, registration
/// times as Excel date-times on the conference's clock.
pub fn delegates_xlsx(conn: &mut DbConnection, list: &DelegateList) -> Result<Vec<u8>, Error> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(export::money_format(&list.currency));
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name("Delegates").map_err(xlsx_error)?;
    for (col, width) in list.columns.pick(XLSX_WIDTHS).iter().enumerate() {
        sheet
            .set_column_width(col as u16, *width)
            .map_err(xlsx_error)?;
    }
    let header = list.columns.header();
    for (col, name) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *name, &bold)
            .map_err(xlsx_error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    let mut row = 0u32;
    for rec in q::records(conn, &list.conference_id, &list.filter)? {
        row += 1;
        write_xlsx_row(sheet, row, list, rec?, &money, &datetime).map_err(xlsx_error)?;
    }
    sheet
        .autofilter(0, 0, row, (header.len() - 1) as u16)
        .map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

/// A conference at a glance (staff).
#[derive(Debug, Clone)]
pub struct Summary {
    pub conference_id: ConferenceId,
    /// Active delegates.
    pub delegates: i64,
    /// Active delegates dining.
    pub dinners: i64,
    /// (organisation, name, region, delegates), by name.
    pub by_organisation: Vec<(OrganisationId, String, String, i64)>,
    /// (region, delegates), by region.
    pub by_region: Vec<(String, i64)>,
    /// (tier code, delegates), in the order of the price table.
    pub by_tier: Vec<(String, i64)>,
    /// (pass kind code, its name, people): every kind offered, in the
    /// conference's order, then any kind no longer offered that people hold.
    pub by_pass_kind: Vec<(String, String, i64)>,
    /// (requirement, delegates), most frequent first.
    pub dietary: Vec<(String, i64)>,
    /// The same over those dining only.
    pub dinner_dietary: Vec<(String, i64)>,
    /// The conference's currency and the money in it.
    pub currency: String,
    pub money: MoneyTotals,
    /// The money in every currency registrations were taken in (one, the
    /// conference's, unless its currency changed before that was refused).
    pub money_by_currency: Vec<(String, MoneyTotals)>,
}

/// Active people per pass kind: every kind the conference offers (none
/// held: 0), in its order, then any kind no longer offered that people hold.
pub fn by_pass_kind(
    conn: &mut DbConnection,
    conference: &Conference,
) -> Result<Vec<(String, String, i64)>, Error> {
    let held = q::delegates_by_pass_kind(conn, &conference.id)?;
    let prices = &conference.spec.prices;
    let mut out: Vec<(String, String, i64)> = prices
        .kinds()
        .iter()
        .map(|k| {
            let n = held.iter().find(|(c, _)| *c == k.code).map_or(0, |h| h.1);
            (k.code.clone(), k.name.clone(), n)
        })
        .collect();
    out.extend(
        held.into_iter()
            .filter(|(code, _)| prices.kind(code).is_none())
            .map(|(code, n)| (code.clone(), code, n)),
    );
    Ok(out)
}

/// Active delegates by organisation, region and tier, dinners, dietary
/// requirements, and money registered, paid, outstanding and to refund.
pub fn summary(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
) -> Result<Summary, Error> {
    actor.require_staff()?;
    let conference = conferences::ops::get(conn, conference_id)?;
    let tiers = conference.spec.prices.tiers();
    let mut by_tier = q::delegates_by_tier(conn, conference_id)?;
    by_tier.sort_by_key(|t| tiers.iter().position(|p| p.code == t.0));
    let by_pass_kind = by_pass_kind(conn, &conference)?;
    let groups = q::delegates_by_dietary_and_dinner(conn, conference_id)?;
    let delegates = groups.iter().map(|g| g.2).sum();
    let dinners = groups.iter().filter(|g| g.1).map(|g| g.2).sum();
    let dinner_dietary = export::group_dietary(
        groups
            .iter()
            .filter(|g| g.1)
            .map(|(text, _, n)| (text.clone(), *n)),
    );
    let dietary = export::group_dietary(groups.into_iter().map(|(text, _, n)| (text, n)));
    let mut by_currency: std::collections::BTreeMap<String, MoneyTotals> =
        std::collections::BTreeMap::new();
    q::for_each_balance(conn, conference_id, |currency, total, paid| {
        by_currency.entry(currency).or_default().add(total, paid)
    })?;
    let money = by_currency
        .get(&conference.spec.currency)
        .copied()
        .unwrap_or_default();
    Ok(Summary {
        by_organisation: q::delegates_by_organisation(conn, conference_id)?,
        by_region: q::delegates_by_region(conn, conference_id)?,
        conference_id: conference.id,
        delegates,
        dinners,
        by_tier,
        by_pass_kind,
        dietary,
        dinner_dietary,
        currency: conference.spec.currency,
        money,
        money_by_currency: by_currency.into_iter().collect(),
    })
}

/// A finished CSV file.
#[derive(Debug, Clone)]
pub struct CsvFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

pub const MOTION_COLUMNS: [&str; 15] = [
    "reference",
    "kind",
    "motion_reference",
    "title",
    "organisation",
    "organisation_kind",
    "region",
    "word_count",
    "status",
    "status_reason",
    "composite",
    "timeliness",
    "submitted_at",
    "submission_id",
    "body",
];

/// Motions and their amendments (staff), in agenda order: each motion
/// followed by its amendments, with word counts and status.
pub fn motions_csv(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    now: DateTime<Utc>,
) -> Result<CsvFile, Error> {
    actor.require_staff()?;
    let conference = conferences::ops::get(conn, conference_id)?;
    let records = subs::for_export(
        conn,
        conference_id,
        &[SubmissionKind::Motion, SubmissionKind::Amendment],
    )?;
    let tz = conference.spec.timezone;
    let (motions, amendments): (Vec<_>, Vec<_>) = records
        .iter()
        .partition(|r| r.submission.kind == SubmissionKind::Motion);
    let row = |r: &subs::ExportRecord, motion_reference: &str| {
        let s = &r.submission;
        vec![
            s.reference.clone(),
            s.kind.as_str().to_owned(),
            motion_reference.to_owned(),
            s.title.clone().unwrap_or_default(),
            r.organisation.clone(),
            r.organisation_kind.as_str().to_owned(),
            r.region.clone(),
            s.word_count.to_string(),
            s.status.as_str().to_owned(),
            s.status_reason.clone().unwrap_or_default(),
            s.composite.clone().unwrap_or_default(),
            s.timeliness.as_str().to_owned(),
            export::local_time(s.created_at.and_utc(), tz),
            s.id.to_string(),
            s.body.clone(),
        ]
    };
    let mut rows = Vec::with_capacity(records.len());
    for m in &motions {
        rows.push(row(m, &m.submission.reference));
        for a in amendments
            .iter()
            .filter(|a| a.submission.motion_id.as_ref() == Some(&m.submission.id))
        {
            rows.push(row(a, &m.submission.reference));
        }
    }
    let today = deadlines::local_date(now, tz);
    Ok(CsvFile {
        file_name: export::file_name(&conference.spec.slug, ListName::Motions, today, "csv"),
        bytes: export::csv_file(&MOTION_COLUMNS, rows).map_err(csv_error)?,
    })
}

pub const CAC_COLUMNS: [&str; 13] = [
    "reference",
    "candidate",
    "candidate_delegate_id",
    "candidate_organisation",
    "candidate_region",
    "nominating_body",
    "nominating_body_kind",
    "nominating_body_region",
    "status",
    "timeliness",
    "submitted_at",
    "word_count",
    "statement",
];

/// CAC nominations (staff), one row per nomination, grouped by candidate.
pub fn cac_nominations_csv(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    now: DateTime<Utc>,
) -> Result<CsvFile, Error> {
    actor.require_staff()?;
    let conference = conferences::ops::get(conn, conference_id)?;
    let records = subs::for_export(conn, conference_id, &[SubmissionKind::CacNomination])?;
    let ids: Vec<_> = records
        .iter()
        .filter_map(|r| r.submission.delegate_id.clone())
        .collect();
    let candidates = subs::candidates(conn, &ids)?;
    let tz = conference.spec.timezone;
    let mut rows: Vec<(String, Vec<String>)> = records
        .into_iter()
        .filter_map(|r| {
            let s = r.submission;
            let c = candidates
                .iter()
                .find(|c| Some(&c.delegate_id) == s.delegate_id.as_ref())?;
            let name = s.candidate_name.clone().unwrap_or_else(|| c.name.clone());
            Some((
                name.clone(),
                vec![
                    s.reference,
                    name,
                    c.delegate_id.to_string(),
                    c.organisation_name.clone(),
                    c.region.clone(),
                    r.organisation,
                    r.organisation_kind.as_str().to_owned(),
                    r.region,
                    s.status.as_str().to_owned(),
                    s.timeliness.as_str().to_owned(),
                    export::local_time(s.created_at.and_utc(), tz),
                    s.word_count.to_string(),
                    s.body,
                ],
            ))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1[2].cmp(&b.1[2])));
    let today = deadlines::local_date(now, tz);
    Ok(CsvFile {
        file_name: export::file_name(
            &conference.spec.slug,
            ListName::CacNominations,
            today,
            "csv",
        ),
        bytes: export::csv_file(&CAC_COLUMNS, rows.into_iter().map(|(_, r)| r))
            .map_err(csv_error)?,
    })
}

/// The rooming list's columns, for the hotel.
pub const ROOMING_COLUMNS: [&str; 9] = [
    "guest",
    "organisation",
    "reference",
    "hotel",
    "room_type",
    "arrival",
    "departure",
    "nights",
    "requirements",
];

/// One guest of a rooming list.
#[derive(Debug, Clone)]
pub struct RoomGuest {
    pub guest: rooms::store::Guest,
    /// Access then dietary requirements, in one cell.
    pub requirements: String,
}

impl RoomGuest {
    pub fn nights(&self) -> i64 {
        (self.guest.departure - self.guest.arrival).num_days()
    }

    fn cells(&self) -> [String; ROOMING_COLUMNS.len()] {
        let g = &self.guest;
        [
            g.name.clone(),
            g.organisation.clone(),
            g.reference.clone(),
            g.hotel.clone(),
            g.room_type.clone(),
            g.arrival.to_string(),
            g.departure.to_string(),
            self.nights().to_string(),
            self.requirements.clone(),
        ]
    }
}

/// The rooming list of a conference (staff): every active delegate with a
/// room, optionally at one hotel.
#[derive(Debug, Clone)]
pub struct RoomingList {
    pub file_stem: String,
    pub guests: Vec<RoomGuest>,
}

pub fn rooming_list(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    hotel: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RoomingList, Error> {
    actor.require_staff()?;
    let conference = conferences::ops::get(conn, conference_id)?;
    let guests = rooms::store::guests(conn, conference_id, hotel)?
        .into_iter()
        .map(|guest| {
            let requirements = [
                ("Access", guest.access_requirements.trim()),
                ("Dietary", guest.dietary_requirements.trim()),
            ]
            .iter()
            .filter(|(_, text)| !text.is_empty())
            .map(|(what, text)| format!("{what}: {text}"))
            .collect::<Vec<_>>()
            .join("; ");
            RoomGuest {
                guest,
                requirements,
            }
        })
        .collect();
    let today = deadlines::local_date(now, conference.spec.timezone);
    Ok(RoomingList {
        file_stem: export::file_name(&conference.spec.slug, ListName::RoomingList, today, ""),
        guests,
    })
}

impl RoomingList {
    pub fn csv(&self) -> Result<CsvFile, Error> {
        Ok(CsvFile {
            file_name: format!("{}csv", self.file_stem),
            bytes: export::csv_file(&ROOMING_COLUMNS, self.guests.iter().map(RoomGuest::cells))
                .map_err(csv_error)?,
        })
    }

    /// The same rows as a workbook: dates as Excel dates, nights as numbers,
    /// text as text cells (never formulas, so written as typed).
    pub fn xlsx(&self) -> Result<CsvFile, Error> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let sheet = workbook.add_worksheet();
        sheet.set_name("Rooming list").map_err(xlsx_error)?;
        for (col, name) in ROOMING_COLUMNS.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, *name, &bold)
                .map_err(xlsx_error)?;
            sheet
                .set_column_width(col as u16, if col < 5 { 28.0 } else { 12.0 })
                .map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        for (i, g) in self.guests.iter().enumerate() {
            let row = i as u32 + 1;
            let cells = g.cells();
            for col in [0u16, 1, 2, 3, 4, 8] {
                sheet
                    .write_string(row, col, &cells[col as usize])
                    .map_err(xlsx_error)?;
            }
            sheet
                .write_date_with_format(row, 5, g.guest.arrival, &date)
                .map_err(xlsx_error)?;
            sheet
                .write_date_with_format(row, 6, g.guest.departure, &date)
                .map_err(xlsx_error)?;
            sheet
                .write_number(row, 7, g.nights() as f64)
                .map_err(xlsx_error)?;
        }
        sheet
            .autofilter(
                0,
                0,
                self.guests.len() as u32,
                (ROOMING_COLUMNS.len() - 1) as u16,
            )
            .map_err(xlsx_error)?;
        Ok(CsvFile {
            file_name: format!("{}xlsx", self.file_stem),
            bytes: workbook.save_to_buffer().map_err(xlsx_error)?,
        })
    }
}
/// The header row of the payments CSV, in column order.
pub const PAYMENT_COLUMNS: [&str; 12] = [
    "date",
    "recorded_at",
    "booking_reference",
    "organisation",
    "kind",
    "method",
    "reference",
    "amount",
    "currency",
    "recorded_by",
    "payment_id",
    "registration_id",
];

/// Index of the `amount` column: signed, left a number.
const PAYMENT_AMOUNT_COLUMN: usize = 7;

/// A conference's payments and refunds (staff), oldest first, for
/// reconciliation against the bank statement: `amount` signed (a refund
/// negative), so the column sums to the net received. Built whole: a
/// conference has about one payment per registration.
pub fn payments_csv(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    filter: &PaymentsFilter,
    now: DateTime<Utc>,
) -> Result<CsvFile, Error> {
    let ledger = registrations::ledger(conn, actor, conference_id, filter, None, None)?;
    let spec = &ledger.conference.spec;
    let tz = spec.timezone;
    let rows = ledger.entries.iter().map(|e| {
        let p = &e.payment;
        let at = p.created_at.and_utc();
        [
            at.with_timezone(&tz).date_naive().to_string(),
            export::local_time(at, tz),
            e.booking_reference.clone(),
            e.organisation_name.clone(),
            p.kind.as_str().to_owned(),
            p.method.as_str().to_owned(),
            p.reference.clone(),
            Money::from_minor(p.signed_minor()).to_string(),
            e.currency.clone(),
            e.recorded_by_name.clone(),
            p.id.to_string(),
            p.registration_id.to_string(),
        ]
    });
    let today = deadlines::local_date(now, tz);
    Ok(CsvFile {
        file_name: export::file_name(&spec.slug, ListName::Payments, today, "csv"),
        bytes: export::csv_file_with_numbers(&PAYMENT_COLUMNS, rows, &[PAYMENT_AMOUNT_COLUMN])
            .map_err(csv_error)?,
    })
}
