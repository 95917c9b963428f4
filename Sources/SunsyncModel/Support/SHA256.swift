import Crypto

/// SHA-256, for record ids, content versions and op digests: swift-crypto's (BoringSSL's on Linux).
/// Checked against the FIPS test vectors in the tests.
enum SHA256 {
    static func hash(_ message: some Collection<UInt8>) -> [UInt8] {
        if let digest = message.withContiguousStorageIfAvailable({ Array(Crypto.SHA256.hash(data: UnsafeRawBufferPointer($0))) }) {
            return digest
        }
        return Array(Crypto.SHA256.hash(data: Array(message)))
    }
}
