/// One change to one field of one record: the unit of replication, merge and audit.
///
/// `pred` lists the ops this write replaces — the field's current values as its writer saw them.
/// An empty `pred` is a write that saw no earlier value (the first entry of a field, or a concurrent one).
public struct Op: Hashable, Sendable {
    public var id: OpID
    public var collection: CollectionName
    public var record: String
    public var field: String
    public var value: Value
    public var pred: [OpID]

    public init(id: OpID, collection: CollectionName, record: String, field: String, value: Value, pred: [OpID] = []) {
        self.id = id
        self.collection = collection
        self.record = record
        self.field = field
        self.value = value
        self.pred = pred
    }

    public var key: RecordKey { RecordKey(collection: collection, id: record) }
}

/// The record collections of DESIGN.md.
public enum CollectionName: String, Hashable, Sendable, CaseIterable, Codable, Comparable {
    /// `reveals`: who saw full certificate numbers, of whom, and why (an audit record, written once).
    case orgs, participants, hours, lunches, reveals

    public static func < (lhs: CollectionName, rhs: CollectionName) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A record's identity: its collection and its id within it. Written `collection/id`.
public struct RecordKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let collection: CollectionName
    public let id: String

    public init(collection: CollectionName, id: String) {
        self.collection = collection
        self.id = id
    }

    /// Parses `collection/id`.
    public init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/"), let c = CollectionName(rawValue: String(text[..<slash])) else { return nil }
        self.init(collection: c, id: String(text[text.index(after: slash)...]))
    }

    public var description: String { "\(collection.rawValue)/\(id)" }

    public static func < (lhs: RecordKey, rhs: RecordKey) -> Bool {
        (lhs.collection, lhs.id) < (rhs.collection, rhs.id)
    }
}

extension Op: Codable {
    enum CodingKeys: String, CodingKey { case id, collection, record, field, value, pred }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let idText = try c.decode(String.self, forKey: .id)
        guard let id = OpID(idText) else {
            throw ModelError(.invalidOpID, "op id \(idText) is not of the form TTTTTTTTTTTT-CCCC-RRRRRRRRRRRRRRRR (lowercase hex)")
        }
        let collectionText = try c.decode(String.self, forKey: .collection)
        guard let collection = CollectionName(rawValue: collectionText) else {
            throw ModelError(.unknownCollection, "unknown collection \(collectionText); expected one of "
                + CollectionName.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let predTexts = try c.decodeIfPresent([String].self, forKey: .pred) ?? []
        var pred = [OpID]()
        pred.reserveCapacity(predTexts.count)
        for text in predTexts {
            guard let p = OpID(text) else { throw ModelError(.invalidOpID, "pred \(text) of op \(idText) is not an op id") }
            pred.append(p)
        }
        self.init(id: id, collection: collection, record: try c.decode(String.self, forKey: .record),
                  field: try c.decode(String.self, forKey: .field),
                  value: try c.decodeIfPresent(Value.self, forKey: .value) ?? .null, pred: pred)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id.description, forKey: .id)
        try c.encode(collection.rawValue, forKey: .collection)
        try c.encode(record, forKey: .record)
        try c.encode(field, forKey: .field)
        try c.encode(value, forKey: .value)
        try c.encode(pred.map(\.description), forKey: .pred)
    }
}
