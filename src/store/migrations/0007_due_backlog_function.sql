-- Flow control's backlog read (store/deliveries.ts dueBacklog): each recipient's due and untaken
-- deliveries, counted up to `cap` through deliveries_state_recipient_idx (state, recipient,
-- next_attempt_at). A function, so that its planner settings go with it: with bitmap scans on,
-- a recipient whose count the statistics put below the cap was read whole, however long its
-- backlog. The state comes from the VALUES row, not a constant, so that the partial
-- deliveries_due_idx cannot serve the count: ordered by due time over all recipients, it made
-- every recipient's count walk the whole due backlog.
CREATE FUNCTION wasla_due_backlog(recipients jsonb, cap int) RETURNS TABLE (recipient text, n int)
LANGUAGE sql STABLE
SET enable_bitmapscan = off
AS $$
  SELECT r.recipient, least(cap, sum((
    SELECT count(*)::int FROM (
      SELECT 1 FROM deliveries d
      WHERE d.state = s.state AND d.recipient = r.recipient AND d.next_attempt_at <= now()
      ORDER BY d.next_attempt_at
      LIMIT cap) due)))::int
  FROM jsonb_array_elements_text(recipients) AS r(recipient)
    CROSS JOIN (VALUES ('pending'), ('retrying')) AS s(state)
  GROUP BY r.recipient
$$;
