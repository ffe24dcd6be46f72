# Removes what protoc cannot resolve here from one of etcd's .proto files:
# gogoproto and google.api imports, file-level gogoproto options, inline
# `[(gogoproto.x) = bool]` field options, and `option (google.api.http) =
# { ... };` blocks inside rpc bodies (which may nest `additional_bindings
# { ... }`). Everything else is copied verbatim, so the descriptors protoc
# builds from the output are etcd's own.
#
# Usage: awk -v out=OUT.proto -f strip_etcd_proto.awk IN.proto
#        (without -v out, writes to standard output)
function emit(s) {
  if (out != "") print s > out
  else print s
}
BEGIN { depth = 0; skipping = 0 }
{
  line = $0
  if (skipping) {
    depth += gsub(/\{/, "{", line) - gsub(/\}/, "}", line)
    if (depth <= 0) skipping = 0
    next
  }
  if (line ~ /^[ \t]*import[ \t]+"(gogoproto|google\/api)\//) next
  if (line ~ /^[ \t]*option[ \t]*\(gogoproto\./) next
  if (line ~ /option[ \t]*\(google\.api\.http\)/) {
    depth = gsub(/\{/, "{", line) - gsub(/\}/, "}", line)
    if (depth > 0) skipping = 1
    next
  }
  gsub(/[ \t]*\[\(gogoproto\.[a-z_]+\)[ \t]*=[ \t]*(true|false)\]/, "", line)
  emit(line)
}
