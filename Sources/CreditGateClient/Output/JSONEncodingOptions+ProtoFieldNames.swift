public import SwiftProtobuf

extension JSONEncodingOptions {
  /// The JSON the client prints and exports: field names as the `.proto` files spell them
  /// (`query_id`, not `queryId`), which is how the API is documented.
  public static var protoFieldNames: JSONEncodingOptions {
    var options = JSONEncodingOptions()
    options.preserveProtoFieldNames = true
    return options
  }
}
