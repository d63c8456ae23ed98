//! Prepaid credit: an append-only ledger in integer cents per cabinet.
//!
//! Prices are per act: a signature (one signer's signature on one document), a seal, a
//! qualified certificate. A collection's launch reserves nothing in the ledger but counts
//! the signatures still owed by the cabinet's other running collections, so credit checked
//! at launch is still there when each signer signs.

pub mod graphql;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::ids::{CabinetId, CollectionId, SignerId, UserId};

pub const SIGNATURE_CENTS: i64 = 25;
pub const SEAL_CENTS: i64 = 5;
pub const QCP_CENTS: i64 = 2000;

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("crédit insuffisant : il faut {needed} et le cabinet dispose de {available}. Créditez le compte du cabinet.")]
    InsufficientCredit { needed: Cents, available: Cents },
    #[error("le montant doit être positif")]
    NotPositive,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("CSV export: {0}")]
    Export(#[from] csv::Error),
}

/// An amount of money in euro cents, shown as "12,50 €".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cents(pub i64);

impl std::fmt::Display for Cents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(
            f,
            "{sign}{},{:02} €",
            self.0.abs() / 100,
            self.0.abs() % 100
        )
    }
}

/// The sum of the cabinet's ledger, kept on the cabinet's row by a trigger on every
/// ledger insert (migration `running_credit_balance`).
pub async fn balance(conn: &mut PgConnection, cabinet_id: CabinetId) -> Result<i64, sqlx::Error> {
    let balance = sqlx::query_scalar!(
        "SELECT credit_balance_cents FROM cabinets WHERE id = $1",
        cabinet_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(balance.unwrap_or(0))
}

/// What the cabinet's running collections will still cost: one signature per signer who
/// has not signed, per document to sign.
pub async fn committed(
    conn: &mut PgConnection,
    cabinet_id: CabinetId,
    except_collection: Option<CollectionId>,
) -> Result<i64, sqlx::Error> {
    let owed = sqlx::query_scalar!(
        r#"SELECT COALESCE(SUM(
                (SELECT count(*) FROM signers s WHERE s.collection_id = c.id AND s.status <> 'signed')
              * (SELECT count(*) FROM collection_documents d WHERE d.collection_id = c.id AND d.kind = 'to_sign')
            ), 0)::bigint AS "owed!"
         FROM collections c
         WHERE c.cabinet_id = $1 AND c.status = 'active' AND c.id IS DISTINCT FROM $2"#,
        cabinet_id.as_uuid(),
        except_collection.map(CollectionId::into_uuid),
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(owed * SIGNATURE_CENTS)
}

/// Serialises credit decisions of one cabinet: two launches or debits cannot both spend
/// the same euros.
pub async fn lock_cabinet(
    conn: &mut PgConnection,
    cabinet_id: CabinetId,
) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT 1 AS "locked!" FROM cabinets WHERE id = $1 FOR UPDATE"#,
        cabinet_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(())
}

/// Refuses, before anything happens, an operation costing `needed` cents that the
/// cabinet's free credit (balance minus what running collections still owe) cannot cover.
/// Call inside the transaction that commits the operation, after [`lock_cabinet`].
pub async fn ensure_available(
    conn: &mut PgConnection,
    cabinet_id: CabinetId,
    needed: i64,
    except_collection: Option<CollectionId>,
) -> Result<(), BillingError> {
    let available =
        balance(conn, cabinet_id).await? - committed(conn, cabinet_id, except_collection).await?;
    if available < needed {
        return Err(BillingError::InsufficientCredit {
            needed: Cents(needed),
            available: Cents(available.max(0)),
        });
    }
    Ok(())
}

/// Debits `count` signatures of one signer, in the caller's transaction. Never below zero.
pub async fn debit_signatures(
    conn: &mut PgConnection,
    cabinet_id: CabinetId,
    collection_id: CollectionId,
    signer_id: SignerId,
    count: i64,
) -> Result<(), BillingError> {
    debit(
        conn,
        cabinet_id,
        count * SIGNATURE_CENTS,
        "signature",
        Some((collection_id, signer_id)),
        &format!("{count} signature(s)"),
    )
    .await
}

/// Debits a qualified certificate (20 EUR), in the caller's transaction.
pub async fn debit_qcp(
    conn: &mut PgConnection,
    cabinet_id: CabinetId,
    holder: &str,
) -> Result<(), BillingError> {
    debit(
        conn,
        cabinet_id,
        QCP_CENTS,
        "qcp",
        None,
        &format!("Certificat qualifié de {holder}"),
    )
    .await
}

/// One statement: locks the cabinet's row, and inserts the debit only if the balance
/// covers it (the ledger's trigger then lowers the balance).
async fn debit(
    conn: &mut PgConnection,
    cabinet_id: CabinetId,
    amount: i64,
    kind: &str,
    signature: Option<(CollectionId, SignerId)>,
    note: &str,
) -> Result<(), BillingError> {
    let outcome = sqlx::query!(
        r#"WITH cabinet AS (SELECT credit_balance_cents AS balance FROM cabinets WHERE id = $1 FOR UPDATE),
              debit AS (
                INSERT INTO credit_ledger (cabinet_id, amount_cents, kind, collection_id, signer_id, note)
                SELECT $1, -$2::bigint, $3, $4, $5, $6 FROM cabinet WHERE balance >= $2
                RETURNING id)
         SELECT balance AS "balance!", EXISTS (SELECT 1 FROM debit) AS "debited!" FROM cabinet"#,
        cabinet_id.as_uuid(),
        amount,
        kind,
        signature.map(|(collection, _)| collection.into_uuid()),
        signature.map(|(_, signer)| signer.into_uuid()),
        note,
    )
    .fetch_one(&mut *conn)
    .await?;
    if !outcome.debited {
        return Err(BillingError::InsufficientCredit {
            needed: Cents(amount),
            available: Cents(outcome.balance.max(0)),
        });
    }
    Ok(())
}

/// The platform credits a cabinet (a purchase of prepaid credit).
pub async fn credit(
    db: &PgPool,
    cabinet_id: CabinetId,
    amount_cents: i64,
    note: &str,
    by: Option<UserId>,
) -> Result<i64, BillingError> {
    if amount_cents <= 0 {
        return Err(BillingError::NotPositive);
    }
    let mut tx = db.begin().await?;
    lock_cabinet(&mut tx, cabinet_id).await?;
    sqlx::query!(
        "INSERT INTO credit_ledger (cabinet_id, amount_cents, kind, note, created_by) VALUES ($1, $2, 'credit', $3, $4)",
        cabinet_id.as_uuid(),
        amount_cents,
        note,
        by.map(UserId::into_uuid),
    )
    .execute(&mut *tx)
    .await?;
    let balance = balance(&mut tx, cabinet_id).await?;
    tx.commit().await?;
    Ok(balance)
}

/// One month of one cabinet's ledger.
#[derive(Debug, Clone)]
pub struct MonthlyConsumption {
    /// First day of the month, `YYYY-MM`.
    pub month: String,
    pub signatures: i64,
    pub seals: i64,
    pub qualified_certificates: i64,
    /// Money spent this month, in cents (positive).
    pub spent_cents: i64,
    /// Credit bought this month, in cents.
    pub credited_cents: i64,
}

pub async fn consumption(
    db: &PgPool,
    cabinet_id: CabinetId,
) -> Result<Vec<MonthlyConsumption>, sqlx::Error> {
    sqlx::query_as!(
        MonthlyConsumption,
        r#"SELECT to_char(date_trunc('month', at AT TIME ZONE 'Europe/Paris'), 'YYYY-MM') AS "month!",
                COALESCE(SUM(-amount_cents / $2) FILTER (WHERE kind = 'signature'), 0)::bigint AS "signatures!",
                COALESCE(SUM(-amount_cents / $3) FILTER (WHERE kind = 'seal'), 0)::bigint AS "seals!",
                COUNT(*) FILTER (WHERE kind = 'qcp') AS "qualified_certificates!",
                COALESCE(SUM(-amount_cents) FILTER (WHERE amount_cents < 0), 0)::bigint AS "spent_cents!",
                COALESCE(SUM(amount_cents) FILTER (WHERE amount_cents > 0), 0)::bigint AS "credited_cents!"
         FROM credit_ledger WHERE cabinet_id = $1
         GROUP BY 1 ORDER BY 1 DESC"#,
        cabinet_id.as_uuid(),
        SIGNATURE_CENTS,
        SEAL_CENTS,
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub amount_cents: i64,
    pub kind: String,
    pub collection_id: Option<CollectionId>,
    pub note: String,
}

pub async fn ledger(
    db: &PgPool,
    cabinet_id: CabinetId,
    limit: i64,
) -> Result<Vec<LedgerEntry>, sqlx::Error> {
    sqlx::query_as!(
        LedgerEntry,
        r#"SELECT id, at, amount_cents, kind, collection_id AS "collection_id: CollectionId", note FROM credit_ledger
         WHERE cabinet_id = $1 ORDER BY id DESC LIMIT $2"#,
        cabinet_id.as_uuid(),
        limit,
    )
    .fetch_all(db)
    .await
}

/// The ledger as CSV, semicolon-separated as French spreadsheets expect, written by the
/// `csv` crate (quotes, separators and line breaks in a label are quoted, not lost). A
/// label that a spreadsheet would take for a formula is prefixed with an apostrophe.
pub fn ledger_csv(entries: &[LedgerEntry]) -> Result<String, BillingError> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    writer.write_record(["date", "type", "montant_eur", "collection", "libelle"])?;
    for e in entries {
        let amount = Cents(e.amount_cents).to_string();
        let collection = e.collection_id.map(|c| c.to_string()).unwrap_or_default();
        writer.write_record([
            e.at.format("%Y-%m-%d %H:%M:%S").to_string().as_str(),
            e.kind.as_str(),
            amount.trim_end_matches(" €"),
            collection.as_str(),
            &not_a_formula(&e.note),
        ])?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| BillingError::Export(e.into_error().into()))?;
    String::from_utf8(bytes).map_err(|e| BillingError::Export(std::io::Error::other(e).into()))
}

/// CSV injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return runs
/// as a formula in Excel and LibreOffice.
fn not_a_formula(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_print_as_euros() {
        assert_eq!(Cents(25).to_string(), "0,25 €");
        assert_eq!(Cents(2000).to_string(), "20,00 €");
        assert_eq!(Cents(-105).to_string(), "-1,05 €");
    }

    #[test]
    fn the_csv_keeps_every_label_whole_and_runs_no_formula() {
        let entry = |note: &str| LedgerEntry {
            id: 1,
            at: chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"),
            kind: "debit".into(),
            amount_cents: -25,
            collection_id: None,
            note: note.into(),
        };
        let csv = ledger_csv(&[
            entry("Signature ; \"Bilan 2026\"\nsuite"),
            entry("=HYPERLINK(\"http://evil\")"),
        ])
        .expect("csv");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert_eq!(&rows[0][4], "Signature ; \"Bilan 2026\"\nsuite");
        assert_eq!(&rows[0][2], "-0,25");
        assert_eq!(&rows[1][4], "'=HYPERLINK(\"http://evil\")");
    }
}
