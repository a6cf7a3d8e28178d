//! The SQLite connections: one writer behind a lock (`BEGIN IMMEDIATE`, held only for a write
//! transaction) and a small pool of read-only connections that, in WAL mode, never wait for it.
//!
//! Every transaction runs on a blocking thread. A panic inside one rolls it back (the
//! transaction is dropped while unwinding) and answers `internal` for that request; the lock is
//! taken back from a poisoned state, so one panic never stops the store.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};

/// How long a connection waits for a lock SQLite holds before answering busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

fn db(e: rusqlite::Error) -> ApiError {
    ApiError::internal(e)
}

/// The writer and the readers of one database file.
#[derive(Debug)]
pub(super) struct Pool {
    writer: Mutex<Connection>,
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    readers: Arc<Semaphore>,
}

impl Pool {
    /// Wraps the (migrated) writer; readers are opened on `path` as they are first needed, at
    /// most `readers` at a time.
    pub(super) fn new(writer: Connection, path: &Path, readers: usize) -> Self {
        Self {
            writer: Mutex::new(writer),
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            readers: Arc::new(Semaphore::new(readers.max(1))),
        }
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the writer; commits on `Ok`.
    pub(super) async fn write<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> ApiResult<T> + Send + 'static,
    {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.writer.lock().unwrap_or_else(PoisonError::into_inner);
            in_transaction(&mut conn, TransactionBehavior::Immediate, f)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Like [`write`](Self::write), and when the transaction does not commit (an error in
    /// `f` or in the commit itself), runs `undo` before anyone else may write.
    pub(super) async fn write_or_undo<T, F, U>(self: &Arc<Self>, f: F, undo: U) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> ApiResult<T> + Send + 'static,
        U: FnOnce() + Send + 'static,
    {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.writer.lock().unwrap_or_else(PoisonError::into_inner);
            let out = in_transaction(&mut conn, TransactionBehavior::Immediate, f);
            if out.is_err() {
                undo();
            }
            out
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` in one read transaction (a consistent snapshot) on a reader connection.
    pub(super) async fn read<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> ApiResult<T> + Send + 'static,
    {
        let permit = self
            .readers
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = match pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
            {
                Some(conn) => conn,
                None => open_reader(&pool.path).map_err(db)?,
            };
            let out = in_transaction(&mut conn, TransactionBehavior::Deferred, f);
            pool.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
            out
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// Runs `f` in one transaction of `behavior` on `conn`; commits on `Ok`, rolls back otherwise.
fn in_transaction<T>(
    conn: &mut Connection,
    behavior: TransactionBehavior,
    f: impl FnOnce(&Transaction<'_>) -> ApiResult<T>,
) -> ApiResult<T> {
    let tx = conn.transaction_with_behavior(behavior).map_err(db)?;
    let out = f(&tx)?;
    tx.commit().map_err(db)?;
    Ok(out)
}

/// Settings every connection gets: how long to wait for a lock, and plans made once per
/// cached statement (without the query planner stability guarantee, a statement that could use
/// the partial index on memberships is planned again on every use, because a bound value might
/// choose another plan).
pub(super) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA query_only = ON;")?;
    Ok(conn)
}
