-- Per-table autovacuum settings for Rampart's busiest tables; the server-wide ones are in
-- postgresql.conf.d/rampart.conf. Idempotent; rampart-migrate.service re-applies it after every
-- migration, as the schema owner (only a table's owner may change its storage parameters).
-- ALTER TABLE ... SET takes a SHARE UPDATE EXCLUSIVE lock: reads and writes carry on meanwhile.
-- `if exists`: before the first migration there is nothing to tune, and that is fine.

\set ON_ERROR_STOP on

-- The outbox: every claim, heartbeat and completion updates a row, so dead row versions pile up
-- fastest here, and workers scan it on every poll (FOR UPDATE SKIP LOCKED). Vacuum after ~1 %
-- of it has changed instead of the default 20 %, and keep its statistics fresh, so claims stay
-- index scans as the table grows.
alter table if exists jobs set (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 200,
  autovacuum_analyze_scale_factor = 0.02,
  autovacuum_vacuum_cost_delay = 0
);

-- Stellar submissions and channel leases: updated on every attempt and every lease.
alter table if exists stellar_submissions set (
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_analyze_scale_factor = 0.02
);
alter table if exists stellar_channels set (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 500
);

-- The append-only audit tables are never updated, only inserted into: vacuum them after inserts
-- (PostgreSQL 13+) so the visibility map stays current (index-only scans for balances and audit
-- queries) and rows are frozen in small steps rather than in one long anti-wraparound vacuum.
alter table if exists ledger_postings set (autovacuum_vacuum_insert_scale_factor = 0.02);
alter table if exists ledger_journals set (autovacuum_vacuum_insert_scale_factor = 0.02);
alter table if exists transaction_events set (autovacuum_vacuum_insert_scale_factor = 0.02);
alter table if exists customer_events set (autovacuum_vacuum_insert_scale_factor = 0.05);
alter table if exists stellar_submission_envelopes set (autovacuum_vacuum_insert_scale_factor = 0.05);
