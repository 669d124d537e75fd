//! Size and content hash of an encoded message, computed while encoding without storing
//! the bytes: the network counts bytes as labrpc does (encoded size), and the trace hash
//! covers what each message carried.

use super::trace::hash_word;
use bincode::enc::write::Writer;
use bincode::error::EncodeError;
use serde::Serialize;

/// A bincode writer that only counts and hashes.
#[derive(Clone, Copy, Debug)]
pub struct Digest {
    hash: u64,
    len: u64,
}

impl Digest {
    /// The size and hash of `value` encoded with bincode's standard configuration.
    ///
    /// # Panics
    /// If the value cannot be encoded (a serde impl that fails): a bug in the message type.
    pub fn of<T: Serialize>(value: &T) -> Digest {
        let mut d = Digest {
            hash: 0x84_22_23_25_cb_f2_9c_e4,
            len: 0,
        };
        bincode::serde::encode_into_writer(value, &mut d, bincode::config::standard())
            .expect("a simulated message failed to encode");
        d
    }

    /// Encoded size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for a value that encodes to nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Hash of the encoded bytes and their length.
    pub fn hash(&self) -> u64 {
        hash_word(self.hash, self.len)
    }
}

impl Writer for Digest {
    fn write(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes(c.try_into().expect("chunk of 8"));
            self.hash = hash_word(self.hash, word);
        }
        for &b in chunks.remainder() {
            self.hash = hash_word(self.hash, u64::from(b));
        }
        self.len += bytes.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_len_matches_bincode_encoding() {
        let value = (7u64, "hello".to_string(), vec![1u8, 2, 3]);
        let bytes =
            bincode::serde::encode_to_vec(&value, bincode::config::standard()).expect("encodes");
        assert_eq!(Digest::of(&value).len(), bytes.len() as u64);
    }

    #[test]
    fn digest_hash_sees_content() {
        assert_ne!(
            Digest::of(&(1u64, 2u64)).hash(),
            Digest::of(&(2u64, 1u64)).hash()
        );
        assert_eq!(Digest::of(&"same").hash(), Digest::of(&"same").hash());
    }
}
