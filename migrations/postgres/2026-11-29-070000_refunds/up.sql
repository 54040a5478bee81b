-- Refunds are money movements like payments: a row in `payments` whose
-- `kind` is 'refund', its amount positive like every row's. What a
-- registration has paid is the sum of its payments minus its refunds.
ALTER TABLE payments ADD COLUMN kind TEXT NOT NULL DEFAULT 'payment'
    CHECK (kind IN ('payment', 'refund'));
