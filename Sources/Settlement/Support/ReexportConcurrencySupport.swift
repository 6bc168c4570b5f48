// `Lock` lives in the small ConcurrencySupport module (the gRPC layer uses it without depending on
// the domain); re-exported so that code importing Settlement keeps seeing it.
@_exported import ConcurrencySupport
