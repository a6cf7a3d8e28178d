//! What an uploaded sync message's changes may cost before automerge sees them.
//!
//! The body limit bounds compressed bytes only: a change chunk of zeros under 1 MB can inflate
//! to gigabytes inside `receive_sync_message`, and automerge loads a broken chunk partially and
//! says nothing. So every chunk is walked here first: its header read, its DEFLATE data (a
//! compressed change, or a document's compressed columns) inflated into a counter with a budget
//! derived from the document limit, and only then decoded strictly. Bundles and unknown chunk
//! types never come from an automerge sync peer and are refused.

use std::io::Read;

use carecircle_shared::automerge::ChangeHash;
use carecircle_shared::automerge::sync::{ChunkList, Have, Message};
use carecircle_shared::automerge::{Automerge, Change};

/// The first bytes of every automerge chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// A document chunk (`Automerge::save`).
const DOCUMENT: u8 = 0;
/// One change, uncompressed.
const CHANGE: u8 = 1;
/// One change, its body DEFLATE-compressed.
const COMPRESSED_CHANGE: u8 = 2;
/// The column-spec bit saying a document column is DEFLATE-compressed.
const DEFLATE_BIT: u64 = 0b1000;
/// The length of a change hash.
const HASH_BYTES: usize = 32;

/// Why an upload's changes were refused before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Not automerge chunks, or a chunk that does not decode.
    #[error("the changes are not readable automerge data")]
    Malformed,
    /// The changes would inflate past the budget.
    #[error("the changes inflate past the size limit")]
    TooLarge,
}

/// Checks every chunk in `changes`: at most `budget` bytes once inflated, and each one decodes.
pub fn check(changes: &ChunkList, budget: usize) -> Result<(), UploadError> {
    let mut left = budget;
    let mut chunks = Vec::new();
    for bytes in changes.iter() {
        let mut rest = bytes;
        while !rest.is_empty() {
            let (kind, data, next) = chunk(rest)?;
            match kind {
                CHANGE => spend(&mut left, data.len())?,
                COMPRESSED_CHANGE => inflate(data, &mut left)?,
                DOCUMENT => document_columns(data, &mut left)?,
                _ => return Err(UploadError::Malformed),
            }
            chunks.push((kind, &rest[..rest.len() - next.len()]));
            rest = next;
        }
    }
    // Everything is bounded now: decode strictly, so a broken chunk is an error rather than a
    // silently partial load.
    for (kind, bytes) in chunks {
        let ok = if kind == DOCUMENT {
            Automerge::load(bytes).is_ok()
        } else {
            Change::from_bytes(bytes.to_vec()).is_ok()
        };
        if !ok {
            return Err(UploadError::Malformed);
        }
    }
    Ok(())
}

/// A compressed-change chunk around `deflated` (the header with a zero checksum): what a
/// hostile client can send; for tests and fuzzing.
pub fn compressed_change_chunk(deflated: &[u8]) -> Vec<u8> {
    let mut chunk = MAGIC.to_vec();
    chunk.extend([0, 0, 0, 0, COMPRESSED_CHANGE]);
    let mut len = deflated.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            chunk.push(byte);
            break;
        }
        chunk.push(byte | 0x80);
    }
    chunk.extend(deflated);
    chunk
}

fn spend(left: &mut usize, n: usize) -> Result<(), UploadError> {
    *left = left.checked_sub(n).ok_or(UploadError::TooLarge)?;
    Ok(())
}

/// Splits one chunk off `bytes`: its type, its data and what follows it.
fn chunk(bytes: &[u8]) -> Result<(u8, &[u8], &[u8]), UploadError> {
    let header = bytes.get(..9).ok_or(UploadError::Malformed)?;
    if header[..4] != MAGIC {
        return Err(UploadError::Malformed);
    }
    let kind = header[8];
    let mut cursor = Cursor(&bytes[9..]);
    let len = cursor.length()?;
    let data = cursor.take(len)?;
    Ok((kind, data, cursor.0))
}

/// Inflates `data` into a counter, spending from `left`; more than `left` is `TooLarge`.
fn inflate(data: &[u8], left: &mut usize) -> Result<(), UploadError> {
    let limit = u64::try_from(*left).unwrap_or(u64::MAX).saturating_add(1);
    let mut decoder = flate2::read::DeflateDecoder::new(data).take(limit);
    let n =
        std::io::copy(&mut decoder, &mut std::io::sink()).map_err(|_| UploadError::Malformed)?;
    spend(left, usize::try_from(n).unwrap_or(usize::MAX))
}

/// Walks a document chunk's prefix (actors, heads, column metadata) and inflates its compressed
/// columns under the budget.
fn document_columns(data: &[u8], left: &mut usize) -> Result<(), UploadError> {
    let mut cursor = Cursor(data);
    for _ in 0..cursor.count()? {
        let len = cursor.length()?;
        cursor.take(len)?;
    }
    for _ in 0..cursor.count()? {
        cursor.take(HASH_BYTES)?;
    }
    let change_columns = cursor.columns()?;
    let op_columns = cursor.columns()?;
    for (spec, len) in change_columns.into_iter().chain(op_columns) {
        let column = cursor.take(len)?;
        if spec & DEFLATE_BIT != 0 {
            inflate(column, left)?;
        } else {
            spend(left, column.len())?;
        }
    }
    Ok(())
}

/// Most probes a peer's bloom filter may ask for (automerge uses 7). Each probe is computed for
/// every change the server might send, and automerge allocates them all up front.
pub const MAX_BLOOM_PROBES: u64 = 64;

/// Checks what a sync message says about the sender's history before automerge uses it:
/// hash lists must be sorted (as automerge itself writes them; unsorted ones end up in the
/// stored sync state, which automerge asserts is sorted), and `have` bloom filters must be
/// usable. Anything else is `Malformed`.
pub fn check_summary(message: &Message) -> Result<(), UploadError> {
    let sorted = |hashes: &[ChangeHash]| hashes.windows(2).all(|h| h[0] <= h[1]);
    if !sorted(&message.heads)
        || !sorted(&message.need)
        || message.have.iter().any(|h| !sorted(&h.last_sync))
    {
        return Err(UploadError::Malformed);
    }
    check_haves(&message.have)
}

/// Checks the bloom filters in a message's `have` entries: a filter with entries but no bits
/// makes automerge divide by zero, and a huge probe count makes it allocate gigabytes.
fn check_haves(haves: &[Have]) -> Result<(), UploadError> {
    for have in haves {
        let bytes = have.bloom.to_bytes();
        if bytes.is_empty() {
            continue;
        }
        let mut cursor = Cursor(&bytes);
        let entries = cursor.uleb()?;
        let bits_per_entry = cursor.uleb()?;
        let probes = cursor.uleb()?;
        let bits = cursor.0;
        if entries > 0
            && (bits_per_entry == 0 || bits.is_empty() || probes == 0 || probes > MAX_BLOOM_PROBES)
        {
            return Err(UploadError::Malformed);
        }
    }
    Ok(())
}

/// Reads LEB128 numbers and byte runs off a slice; running out is `Malformed`.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn uleb(&mut self) -> Result<u64, UploadError> {
        let mut value = 0u64;
        for (i, byte) in self.0.iter().enumerate().take(10) {
            let bits = u64::from(byte & 0x7f);
            value |= bits
                .checked_shl(7 * i as u32)
                .ok_or(UploadError::Malformed)?;
            if byte & 0x80 == 0 {
                self.0 = &self.0[i + 1..];
                return Ok(value);
            }
        }
        Err(UploadError::Malformed)
    }

    fn length(&mut self) -> Result<usize, UploadError> {
        usize::try_from(self.uleb()?).map_err(|_| UploadError::Malformed)
    }

    /// A count of following items, each at least one byte long: never more than what is left.
    fn count(&mut self) -> Result<usize, UploadError> {
        let n = self.length()?;
        if n > self.0.len() {
            return Err(UploadError::Malformed);
        }
        Ok(n)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], UploadError> {
        if n > self.0.len() {
            return Err(UploadError::Malformed);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    /// Column metadata: a count, then (spec, length) pairs.
    fn columns(&mut self) -> Result<Vec<(u64, usize)>, UploadError> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let spec = self.uleb()?;
            out.push((spec, self.length()?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carecircle_shared::automerge::transaction::Transactable;
    use carecircle_shared::automerge::{AutoCommit, ROOT};

    fn doc_with_text(len: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "text", "x".repeat(len)).expect("put");
        doc.commit();
        doc
    }

    #[test]
    fn real_changes_and_documents_pass() {
        let mut doc = doc_with_text(10_000);
        let change = doc
            .get_last_local_change()
            .expect("change")
            .raw_bytes()
            .to_vec();
        assert!(check(&ChunkList::from(change), 1 << 20).is_ok());
        let saved = doc.save();
        assert!(check(&ChunkList::from(saved.clone()), 1 << 20).is_ok());
        // The same document against a budget smaller than its inflated columns.
        assert_eq!(
            check(&ChunkList::from(saved), 1_000),
            Err(UploadError::TooLarge)
        );
    }

    #[test]
    fn garbage_and_truncation_are_malformed() {
        let doc = doc_with_text(10);
        let saved = doc.clone().save();
        for bad in [
            b"not automerge".to_vec(),
            saved[..saved.len() - 3].to_vec(),
            {
                let mut broken = saved.clone();
                let last = broken.len() - 1;
                broken[last] ^= 0xff;
                broken
            },
        ] {
            assert_eq!(
                check(&ChunkList::from(bad), 1 << 20),
                Err(UploadError::Malformed)
            );
        }
    }

    #[test]
    fn a_deflate_bomb_is_refused_without_inflating_it() {
        use std::io::Write;
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..64 {
            encoder.write_all(&[0u8; 1 << 20]).expect("deflate");
        }
        let bomb = compressed_change_chunk(&encoder.finish().expect("deflate"));
        assert!(bomb.len() < 1 << 20);
        assert_eq!(
            check(&ChunkList::from(bomb), 16 << 20),
            Err(UploadError::TooLarge)
        );
    }

    fn have(bloom: &[u8]) -> Have {
        Have {
            last_sync: Vec::new(),
            bloom: carecircle_shared::automerge::sync::BloomFilter::try_from(bloom).expect("bloom"),
        }
    }

    #[test]
    fn bloom_filters_automerge_would_crash_or_balloon_on_are_malformed() {
        // entries, bits per entry, probes, bits.
        assert_eq!(check_haves(&[have(&[])]), Ok(()), "an empty filter");
        assert_eq!(check_haves(&[have(&[1, 10, 7, 0xff, 0xff])]), Ok(()));
        // Entries but no bits: automerge takes a remainder by zero.
        assert_eq!(
            check_haves(&[have(&[5, 0, 7])]),
            Err(UploadError::Malformed)
        );
        // A billion probes: automerge would allocate 4 GB for each hash it looks up.
        let mut huge = vec![1, 10];
        huge.extend([0x80, 0x94, 0xeb, 0xdc, 0x03]);
        huge.extend([0xff, 0xff]);
        assert_eq!(check_haves(&[have(&huge)]), Err(UploadError::Malformed));
    }
}
