-- PostgreSQL role and database of the EMR Desktop sync server.
--
--   runuser -u postgres -- psql -v ON_ERROR_STOP=1 -v role=emr_sync -v db=emr_sync \
--       -v password="$EMR_DB_PASSWORD" -f postgres-setup.sql
--
-- Safe to run again: an existing role gets the password given, an existing database is
-- kept as it is. The server creates its own tables (migrations, applied on start or by
-- `emr-sync-server migrate`) as the owner of the database; it needs no other right.
-- Vai trò và CSDL của máy chủ đồng bộ; chạy lại nhiều lần không sao.

\set ON_ERROR_STOP on

-- The role: may log in, owns the database, nothing more (no superuser, no CREATEDB).
SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role')
\gexec
SELECT format(
         'ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L',
         :'role', :'password')
\gexec

-- A transaction left open (a crashed client, a stuck tool) would hold a facility's row lock
-- and stop every push of that facility: the server ends such sessions after 5 minutes.
-- No statement_timeout: a big push or pull legitimately takes a while.
SELECT format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', :'role', '5min')
\gexec
-- Times are stored as UTC ISO-8601 text by the server; the session zone only affects tools.
SELECT format('ALTER ROLE %I SET timezone = %L', :'role', 'UTC')
\gexec

-- The database: UTF-8 (Vietnamese text), owned by the role.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'role', 'UTF8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')
\gexec

-- Nobody else may connect to it.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db')
\gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'role')
\gexec

\connect :"db"

-- The role creates its tables in the public schema; other roles may not.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT USAGE, CREATE ON SCHEMA public TO %I', :'role')
\gexec
