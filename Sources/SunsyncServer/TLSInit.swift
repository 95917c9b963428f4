import ArgumentParser
import Crypto
import Foundation
import SunsyncReports
import SwiftASN1
import SunsyncProtocol
import X509

/// `sunsync-server tls init`: a district's own certificate authority and a server certificate signed by
/// it, for a server with no certificate from a public CA (a district office's LAN). Laptops trust that CA
/// alone for this server (`sunsync login --ca ca.pem`).
extension ServerCommand {
    struct TLSCommand: AsyncParsableCommand {
        static var configuration: CommandConfiguration { adminConfiguration(.tls, name: "tls", subcommands: [Init.self]) }

        struct Init: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.tlsInit) }
            @OptionGroup var data: DataOptions
            @Option(name: .customLong("host"), help: help(.tlsHost, "name"))
            var hosts: [String] = []
            @Option(help: help(.tlsOut, "dir")) var out: String?
            @Option(help: help(.caName, "name")) var name: String?

            func validate() throws {
                guard !hosts.isEmpty else { throw ValidationError(say(.needHost)) }
                for host in hosts where Self.ipBytes(host) == nil {
                    guard !host.isEmpty, host.utf8.count <= 253, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                        throw ValidationError(say(.notAHost(host)))
                    }
                }
            }

            func run() async throws {
                try data.actAsOwner()
                let folder = out ?? data.directory + "/tls"
                let files = ["ca.pem", "ca.key", "server.pem", "server.key"].map { folder + "/" + $0 }
                if let existing = files.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                    throw AdminError(.nothingOverwritten(existing))
                }
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let now = Date()
                let caKey = P256.Signing.PrivateKey(), serverKey = P256.Signing.PrivateKey()
                let caName = try DistinguishedName {
                    CommonName(name ?? "Sunsync district CA")
                    OrganizationName("Sunsync")
                }
                let ca = try Certificate(
                    version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
                    notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
                    issuer: caName, subject: caName,
                    extensions: try Certificate.Extensions {
                        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                        Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    },
                    issuerPrivateKey: .init(caKey))
                let names: [GeneralName] = hosts.map { host in
                    Self.ipBytes(host).map { .ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) } ?? .dnsName(host)
                }
                let server = try Certificate(
                    version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
                    notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(825 * 86400),
                    issuer: caName, subject: try DistinguishedName { CommonName(hosts[0]) },
                    extensions: try Certificate.Extensions {
                        Critical(BasicConstraints.notCertificateAuthority)
                        Critical(KeyUsage(digitalSignature: true))
                        try ExtendedKeyUsage([.serverAuth])
                        SubjectAlternativeNames(names)
                    },
                    issuerPrivateKey: .init(caKey))
                let contents = [try ca.serializeAsPEM().pemString, caKey.pemRepresentation, try server.serializeAsPEM().pemString, serverKey.pemRepresentation]
                for (path, text) in zip(files, contents) {
                    guard FileManager.default.createFile(atPath: path, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                        throw AdminError(.cannotWrite(path))
                    }
                }
                if data.json {
                    return print(#"{"ca": "\#(files[0])", "ca_key": "\#(files[1])", "cert": "\#(files[2])", "key": "\#(files[3])"}"#)
                }
                let url = "https://\(hosts[0].contains(":") ? "[\(hosts[0])]" : hosts[0]):8443"
                print(say(.madeTLS(hosts: hosts.joined(separator: ", "), folder: folder, cert: files[2], key: files[3], ca: files[0], url: url, caKey: files[1])))
            }

            /// The bytes of an IPv4 or IPv6 address, or nil for a name.
            static func ipBytes(_ text: String) -> [UInt8]? {
                var v4 = in_addr(), v6 = in6_addr()
                if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
                if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
                return nil
            }
        }
    }
}
