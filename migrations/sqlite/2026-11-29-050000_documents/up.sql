-- Invoices and credit notes. Each is fixed when issued: `document` holds
-- everything it prints (JSON), so it never changes afterwards. Numbers run
-- per conference and kind, from `invoice_counters`, taken in the
-- transaction that issues the document (no gap, no repeat).
ALTER TABLE organisations ADD COLUMN billing_address TEXT;

CREATE TABLE invoice_counters (
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    last_number INTEGER NOT NULL,
    PRIMARY KEY (conference_id, kind)
);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY NOT NULL,
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number INTEGER NOT NULL,
    credits_invoice_id TEXT REFERENCES invoices (id),
    currency TEXT NOT NULL,
    total_minor BIGINT NOT NULL CHECK (total_minor >= 0),
    issued_on DATE NOT NULL,
    due_on DATE,
    document TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (conference_id, kind, number)
);
CREATE INDEX invoices_registration_id ON invoices (registration_id);
