-- Dagster keeps its runs and events apart from the API tables: both use Alembic, whose
-- version table would otherwise be shared. Runs once, when the postgres volume is new.
CREATE DATABASE dagster;
