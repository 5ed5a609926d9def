//! The versioned binary form of a compiled network: what a store keeps of its current state
//! and what travels to Ray workers.
//!
//! The same envelope holds the other blobs that travel: an analysis (`ANA\0`: the network,
//! the policy and `as_of`; see `Analysis::to_bytes`) and a batch of Monte Carlo scenarios
//! (`MCB\0`; see `ScenarioBatch::to_bytes`).
//!
//! Layout (little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `b"tierwise"` |
//! | 4 | `b"NET\0"`: the kind of blob |
//! | 4 | format version (`u32`, [`FORMAT_VERSION`]) |
//! | 4 + n | the tierwise version that wrote it (`u32` length, UTF-8) |
//! | 8 + m | the payload (`u64` length, then the network in postcard's documented encoding) |
//!
//! A blob is read back only by the same format version and the same tierwise version (the
//! payload mirrors the crate's structs); anything else, a truncated blob or trailing bytes is
//! refused with a [`BinaryError`]. Decoding is safe Rust: bad bytes give an error, never
//! undefined behaviour.

use super::Network;

/// The first bytes of every tierwise blob.
pub const MAGIC: &[u8; 8] = b"tierwise";
/// The version of the layout above and of the payload's shape.
pub const FORMAT_VERSION: u32 = 1;
const KIND_NETWORK: &[u8; 4] = b"NET\0";

/// Why bytes are not a network of this tierwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BinaryError {
    #[error("not a tierwise network: the bytes do not start with the tierwise header")]
    NotTierwise,
    #[error("the blob holds a {found:?}, not {expected}")]
    WrongKind {
        found: String,
        expected: &'static str,
    },
    #[error("the blob has format version {found}; this tierwise reads version {FORMAT_VERSION}")]
    Format { found: u32 },
    #[error(
        "the blob was written by tierwise {found}; this is tierwise {}",
        crate::VERSION
    )]
    Version { found: String },
    #[error("the blob is truncated: {needed} bytes needed, {available} available")]
    Truncated { needed: u64, available: u64 },
    #[error("the blob has {0} bytes after its payload")]
    Trailing(usize),
    #[error("the payload does not decode: {0}")]
    Payload(String),
}

/// Reads the parts of a blob in order.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], BinaryError> {
        let available = (self.bytes.len() - self.at) as u64;
        if n > available {
            return Err(BinaryError::Truncated {
                needed: self.at as u64 + n,
                available: self.bytes.len() as u64,
            });
        }
        let out = &self.bytes[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, BinaryError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, BinaryError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

/// Checks the header of a blob of `kind` and returns its payload.
fn open_blob<'a>(bytes: &'a [u8], kind: &[u8; 4]) -> Result<&'a [u8], BinaryError> {
    let expected = match kind {
        KIND_NETWORK => "a network",
        b"ANA\0" => "an analysis",
        b"MCB\0" => "a scenario batch",
        b"MTP\0" => "a mitigation part",
        _ => "this kind of blob",
    };
    let mut r = Reader { bytes, at: 0 };
    if r.take(8).ok() != Some(&MAGIC[..]) {
        return Err(BinaryError::NotTierwise);
    }
    let found = r.take(4)?;
    if found != kind {
        return Err(BinaryError::WrongKind {
            found: String::from_utf8_lossy(found).trim_end_matches('\0').into(),
            expected,
        });
    }
    let format = r.u32()?;
    if format != FORMAT_VERSION {
        return Err(BinaryError::Format { found: format });
    }
    let n = r.u32()?;
    let version = String::from_utf8_lossy(r.take(n as u64)?).into_owned();
    if version != crate::VERSION {
        return Err(BinaryError::Version { found: version });
    }
    let len = r.u64()?;
    let payload = r.take(len)?;
    match bytes.len() - r.at {
        0 => Ok(payload),
        extra => Err(BinaryError::Trailing(extra)),
    }
}

/// `value` as a blob of `kind` (postcard payload).
///
/// The payload is measured first and written straight after the header into a buffer of the
/// final size: a 1M-site network is gigabytes, and growing a payload buffer, then copying it
/// behind the header, held up to three times that at once.
pub(crate) fn encode<T: serde::Serialize + ?Sized>(kind: &[u8; 4], value: &T) -> Vec<u8> {
    let len = postcard::serialize_with_flavor::<T, _, usize>(
        value,
        postcard::ser_flavors::Size::default(),
    )
    .expect("in-memory values always encode");
    let version = crate::VERSION.as_bytes();
    // Magic, kind, format version, version length, version, payload length.
    let head = MAGIC.len() + 4 + 4 + 4 + version.len() + 8;
    let mut out = Vec::with_capacity(head + len);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(kind);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(version.len() as u32).to_le_bytes());
    out.extend_from_slice(version);
    out.extend_from_slice(&(len as u64).to_le_bytes());
    let out = postcard::to_extend(value, out).expect("in-memory values always encode");
    debug_assert_eq!(out.len(), head + len, "the measured size");
    out
}

/// The value in a blob of `kind` made by [`encode`].
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    kind: &[u8; 4],
) -> Result<T, BinaryError> {
    let payload = open_blob(bytes, kind)?;
    postcard::from_bytes(payload).map_err(|e| BinaryError::Payload(e.to_string()))
}

impl Network {
    /// The network in its versioned binary form (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(KIND_NETWORK, self)
    }

    /// A network from [`Network::to_bytes`] of this tierwise version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Network, BinaryError> {
        decode(bytes, KIND_NETWORK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::demo::demo_raw_tables;

    fn demo() -> Network {
        let checked = demo_raw_tables().check(&Default::default()).unwrap();
        Network::compile(&checked.tables).unwrap()
    }

    #[test]
    fn a_network_round_trips_and_answers_lookups() {
        let net = demo();
        let back = Network::from_bytes(&net.to_bytes()).unwrap();
        assert_eq!(back, net);
        let site = &net.sites()[7].site_id;
        assert_eq!(back.site_index(site), Some(7));
        let n = net.nodes()[3];
        let (s, p) = (
            &net.sites()[n.site as usize].site_id,
            &net.parts()[n.part as usize].part_id,
        );
        assert_eq!(back.node(s, p), Some(3));
    }

    #[test]
    fn damaged_blobs_are_refused_by_name() {
        let bytes = demo().to_bytes();
        let cut = Network::from_bytes(&bytes[..bytes.len() - 10]).unwrap_err();
        assert!(matches!(cut, BinaryError::Truncated { .. }), "{cut}");
        assert_eq!(
            Network::from_bytes(b"not a network at all").unwrap_err(),
            BinaryError::NotTierwise
        );
        let mut other = bytes.clone();
        other[12] = 2; // format version 2
        assert_eq!(
            Network::from_bytes(&other).unwrap_err(),
            BinaryError::Format { found: 2 }
        );
        let mut extra = bytes.clone();
        extra.push(0);
        assert_eq!(
            Network::from_bytes(&extra).unwrap_err(),
            BinaryError::Trailing(1)
        );
        let mut version = bytes.clone();
        version[20] = b'9'; // the first byte of the version string
        assert!(matches!(
            Network::from_bytes(&version).unwrap_err(),
            BinaryError::Version { .. }
        ));
    }
}
