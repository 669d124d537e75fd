//! Immutable byte strings whose chunks are shared between copies.
//!
//! A node hands out its complete durable state at every save (the lab's
//! `Persister.Save(raftstate, snapshot)`), and a driver keeps the last one. Between two
//! saves the encoded log mostly grows at its end, so consecutive states share almost all
//! their bytes. Built from reference-counted chunks, a state costs a few pointer copies
//! to hand out instead of a copy of the whole log: over a run whose log reaches
//! thousands of entries, copying made saving quadratic.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// An immutable byte string made of shared chunks. Cloning copies the chunk pointers,
/// never the bytes. Two values are equal when their bytes are, however they are chunked.
#[derive(Clone, Default)]
pub struct SharedBytes {
    chunks: Vec<Arc<Vec<u8>>>,
    len: usize,
}

impl SharedBytes {
    /// The empty byte string.
    pub fn new() -> SharedBytes {
        SharedBytes::default()
    }

    /// The concatenation of `chunks`, in order. Empty chunks are dropped.
    pub fn from_chunks(chunks: impl IntoIterator<Item = Arc<Vec<u8>>>) -> SharedBytes {
        let chunks: Vec<Arc<Vec<u8>>> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
        let len = chunks.iter().map(|c| c.len()).sum();
        SharedBytes { chunks, len }
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chunks, in order; none is empty. A driver that stores them keeps sharing.
    pub fn chunks(&self) -> &[Arc<Vec<u8>>] {
        &self.chunks
    }

    /// The chunks, by value (a driver that keeps them takes them without copying the
    /// list).
    pub fn into_chunks(self) -> Vec<Arc<Vec<u8>>> {
        self.chunks
    }

    /// The bytes in one slice: borrowed when there is at most one chunk, else copied.
    pub fn contiguous(&self) -> Cow<'_, [u8]> {
        match self.chunks.as_slice() {
            [] => Cow::Borrowed(&[]),
            [one] => Cow::Borrowed(one),
            _ => Cow::Owned(self.to_vec()),
        }
    }

    /// A copy of the bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for c in &self.chunks {
            out.extend_from_slice(c);
        }
        out
    }

    /// The bytes, one at a time.
    fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.chunks.iter().flat_map(|c| c.iter().copied())
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(bytes: Vec<u8>) -> SharedBytes {
        SharedBytes::from(Arc::new(bytes))
    }
}

impl From<&[u8]> for SharedBytes {
    fn from(bytes: &[u8]) -> SharedBytes {
        SharedBytes::from(bytes.to_vec())
    }
}

impl From<Arc<Vec<u8>>> for SharedBytes {
    fn from(chunk: Arc<Vec<u8>>) -> SharedBytes {
        SharedBytes::from_chunks([chunk])
    }
}

impl PartialEq for SharedBytes {
    fn eq(&self, other: &SharedBytes) -> bool {
        self.len == other.len && self.bytes().eq(other.bytes())
    }
}

impl Eq for SharedBytes {}

impl PartialEq<[u8]> for SharedBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.len == other.len() && self.bytes().eq(other.iter().copied())
    }
}

impl PartialEq<Vec<u8>> for SharedBytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        *self == *other.as_slice()
    }
}

/// Serialized as one byte string (serde's `bytes`): bincode writes its length and then
/// the bytes, exactly as it writes a `Vec<u8>`, but in one piece rather than byte by byte.
impl Serialize for SharedBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.contiguous())
    }
}

/// Reads what [`Serialize`] writes, and also a sequence of bytes (a `Vec<u8>`).
impl<'de> Deserialize<'de> for SharedBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SharedBytes, D::Error> {
        deserializer.deserialize_byte_buf(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = SharedBytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<SharedBytes, E> {
        Ok(SharedBytes::from(v))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<SharedBytes, E> {
        Ok(SharedBytes::from(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SharedBytes, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        Ok(SharedBytes::from(bytes))
    }
}

impl fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SharedBytes({} bytes in {} chunks)",
            self.len,
            self.chunks.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_bytes_equal_by_content_whatever_the_chunking() {
        let one = SharedBytes::from(vec![1, 2, 3, 4]);
        let two = SharedBytes::from_chunks([
            Arc::new(vec![1u8, 2]),
            Arc::new(vec![]),
            Arc::new(vec![3u8, 4]),
        ]);
        assert_eq!(one, two);
        assert_eq!(two.chunks().len(), 2, "empty chunks are dropped");
        assert_eq!((two.len(), two.to_vec()), (4, vec![1, 2, 3, 4]));
        assert_eq!(&*two.contiguous(), &[1, 2, 3, 4]);
        assert!(matches!(one.contiguous(), Cow::Borrowed(_)));
        assert_ne!(one, SharedBytes::from(vec![1, 2, 3, 5]));
        assert_ne!(one, SharedBytes::from(vec![1, 2, 3]));
        assert!(one == *[1u8, 2, 3, 4].as_slice());
        assert!(SharedBytes::new().is_empty());
        assert_eq!(&*SharedBytes::new().contiguous(), &[] as &[u8]);
    }

    #[test]
    fn shared_bytes_encode_as_a_vec_does() {
        let config = bincode::config::standard();
        let chunked = SharedBytes::from_chunks([Arc::new(vec![1u8, 2]), Arc::new(vec![3u8; 300])]);
        let flat = chunked.to_vec();
        let bytes = bincode::serde::encode_to_vec(&chunked, config).expect("encodes");
        assert_eq!(
            bytes,
            bincode::serde::encode_to_vec(&flat, config).expect("encodes")
        );
        let (back, used): (SharedBytes, usize) =
            bincode::serde::decode_from_slice(&bytes, config).expect("decodes");
        assert_eq!((back, used), (chunked, bytes.len()));
        let json = serde_json::to_string(&flat).expect("json");
        let from_seq: SharedBytes = serde_json::from_str(&json).expect("a sequence decodes");
        assert_eq!(from_seq, flat);
    }

    #[test]
    fn shared_bytes_clone_shares_chunks() {
        let a = SharedBytes::from(vec![7u8; 1000]);
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.chunks()[0], &b.chunks()[0]));
    }
}
