// The JSON-lines event format: round trips, the README's examples, and
// clear errors for malformed lines.
#include "tools/check/event_json.h"

#include <gtest/gtest.h>

namespace strata::check {
namespace {

Event Make(EventType type, Call call, Reply reply = {}, std::string error = {}) {
  Event e;
  e.process = 7;
  e.type = type;
  e.call = std::move(call);
  e.reply = std::move(reply);
  e.error = std::move(error);
  e.time_ns = 123456789;
  return e;
}

// A completion names only the op's kind and key.
Call Named(OpKind kind) {
  Call c;
  c.kind = kind;
  c.key = "k";
  return c;
}

void ExpectSame(const Event& a, const Event& b) {
  EXPECT_EQ(a.process, b.process);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.call.kind, b.call.kind);
  EXPECT_EQ(a.call.key, b.call.key);
  EXPECT_EQ(a.time_ns, b.time_ns);
  if (a.type == EventType::kInvoke) {
    EXPECT_EQ(a.call.value, b.call.value);
    EXPECT_EQ(a.call.compare, b.call.compare);
    EXPECT_EQ(a.call.expected_version, b.call.expected_version);
    EXPECT_EQ(a.call.expected_value, b.call.expected_value);
  }
  if (a.type == EventType::kOk) {
    EXPECT_EQ(a.reply.value, b.reply.value);
    EXPECT_EQ(a.reply.version, b.reply.version);
    EXPECT_EQ(a.reply.succeeded, b.reply.succeeded);
    EXPECT_EQ(a.reply.deleted, b.reply.deleted);
  }
  EXPECT_EQ(a.error, b.error);
}

TEST(EventJsonTest, EveryKindRoundTrips) {
  const std::vector<Event> events = {
      Make(EventType::kInvoke, Call::Get("k")),
      Make(EventType::kOk, Call::Get("k"), Reply::Get("v", 3)),
      Make(EventType::kOk, Call::Get("k"), Reply::Get(std::nullopt)),
      Make(EventType::kOk, Call::Get("k"), Reply::Get("", 1)),
      Make(EventType::kInvoke, Call::Put("k", "v w \"q\"")),
      Make(EventType::kOk, Call::Put("k", "")),
      Make(EventType::kInvoke, Call::Delete("k")),
      Make(EventType::kOk, Call::Delete("k"), Reply::Delete(1)),
      Make(EventType::kOk, Call::Delete("k"), Reply::Delete()),
      Make(EventType::kInvoke, Call::CasVersion("k", 0, "new")),
      Make(EventType::kInvoke, Call::CasValue("k", "old", "new")),
      Make(EventType::kOk, Named(OpKind::kCas), Reply::Cas(true)),
      Make(EventType::kOk, Named(OpKind::kCas), Reply::Cas(false)),
      Make(EventType::kFail, Call::Put("k", ""), {}, "too large"),
      Make(EventType::kInfo, Call::Put("k", ""), {}, "deadline exceeded"),
      Make(EventType::kInfo, Call::Get("k")),
  };
  for (const Event& e : events) {
    Result<std::string> line = EncodeEvent(e);
    ASSERT_TRUE(line.ok()) << line.status().ToString();
    EXPECT_EQ(line->find('\n'), std::string::npos);
    Result<Event> back = DecodeEvent(*line);
    ASSERT_TRUE(back.ok()) << *line << ": " << back.status().ToString();
    ExpectSame(e, *back);
  }
}

TEST(EventJsonTest, LinesReadNaturally) {
  Result<std::string> line = EncodeEvent(Make(EventType::kInvoke, Call::CasVersion("k", 2, "v")));
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(*line, R"({"process":7,"type":"invoke","op":"cas","key":"k","compare":"version",)"
                   R"("expected":2,"value":"v","time":123456789})");
}

TEST(EventJsonTest, TheReadmeExamplesParse) {
  // Keep in sync with README.md.
  const char* lines[] = {
      R"({"process":1,"type":"invoke","op":"put","key":"k1","value":"p1-1","time":1000})",
      R"({"process":1,"type":"ok","op":"put","key":"k1","time":2500})",
      R"({"process":2,"type":"invoke","op":"get","key":"k1","time":3000})",
      R"({"process":2,"type":"ok","op":"get","key":"k1","result":"p1-1","version":1,"time":4100})",
      R"({"process":3,"type":"invoke","op":"cas","key":"k1","compare":"version","expected":1,"value":"p3-1","time":5000})",
      R"({"process":3,"type":"ok","op":"cas","key":"k1","result":true,"time":6200})",
      R"({"process":1,"type":"invoke","op":"cas","key":"k1","compare":"value","expected":"p1-1","value":"p1-2","time":7000})",
      R"({"process":1,"type":"ok","op":"cas","key":"k1","result":false,"time":7900})",
      R"({"process":2,"type":"invoke","op":"delete","key":"k1","time":8000})",
      R"({"process":2,"type":"info","op":"delete","key":"k1","error":"context deadline exceeded","time":9000})",
      R"({"process":4,"type":"invoke","op":"get","key":"k1","time":9500})",
      R"({"process":4,"type":"ok","op":"get","key":"k1","result":null,"time":9800})",
      R"({"process":3,"type":"invoke","op":"put","key":"k2","value":"x","time":10000})",
      R"({"process":3,"type":"fail","op":"put","key":"k2","error":"etcdserver: request is too large","time":10100})",
  };
  for (const char* l : lines) {
    Result<Event> e = DecodeEvent(l);
    EXPECT_TRUE(e.ok()) << l << ": " << e.status().ToString();
  }
}

TEST(EventJsonTest, UnknownFieldsAreIgnored) {
  Result<Event> e = DecodeEvent(
      R"({"process":1,"type":"ok","op":"put","key":"k","time":5,"node":"n2","revision":9})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->time_ns, 5);
}

TEST(EventJsonTest, MalformedLinesSayWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"type":"invoke","op":"get","key":"k","time":1})", "missing field \"process\""},
      {R"({"process":"one","type":"invoke","op":"get","key":"k","time":1})",
       "\"process\" must be an integer"},
      {R"({"process":1,"type":"done","op":"get","key":"k","time":1})", "unknown \"type\" \"done\""},
      {R"({"process":1,"type":"invoke","op":"range","key":"k","time":1})",
       "unknown \"op\" \"range\""},
      {R"({"process":1,"type":"invoke","op":"get","key":7,"time":1})", "\"key\" must be a string"},
      {R"({"process":1,"type":"invoke","op":"get","key":"k"})", "missing field \"time\""},
      {R"({"process":1,"type":"invoke","op":"get","key":"k","time":-5})",
       "\"time\" is out of range"},
      {R"({"process":1,"type":"invoke","op":"get","key":"k","time":1.5})",
       "\"time\" must be an integer"},
      {R"({"process":1,"type":"invoke","op":"put","key":"k","time":1})", "missing field \"value\""},
      {R"({"process":1,"type":"invoke","op":"cas","key":"k","value":"v","time":1})",
       "missing field \"compare\""},
      {R"({"process":1,"type":"invoke","op":"cas","key":"k","compare":"lease","value":"v","time":1})",
       "unknown \"compare\""},
      {R"({"process":1,"type":"invoke","op":"cas","key":"k","compare":"version","expected":"2","value":"v","time":1})",
       "\"expected\" must be an integer"},
      {R"({"process":1,"type":"invoke","op":"cas","key":"k","compare":"version","expected":-1,"value":"v","time":1})",
       "must be >= 0"},
      {R"({"process":1,"type":"ok","op":"get","key":"k","time":1})", "missing field \"result\""},
      {R"({"process":1,"type":"ok","op":"get","key":"k","result":3,"time":1})",
       "must be a string or null"},
      {R"({"process":1,"type":"ok","op":"get","key":"k","result":null,"version":2,"time":1})",
       "an absent key has \"version\" 0"},
      {R"({"process":1,"type":"ok","op":"get","key":"k","result":"v","version":0,"time":1})",
       "a present key has \"version\" >= 1"},
      {R"({"process":1,"type":"ok","op":"cas","key":"k","time":1})", "a cas needs \"result\""},
      {R"({"process":1,"type":"ok","op":"delete","key":"k","result":2,"time":1})",
       "must be 0 or 1"},
      {R"({"process":18446744073709551615,"type":"ok","op":"put","key":"k","time":1})",
       "out of range"},
  };
  for (const auto& [line, want] : cases) {
    Result<Event> e = DecodeEvent(line);
    ASSERT_FALSE(e.ok()) << line;
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find(want), std::string::npos)
        << line << " -> " << e.status().message();
  }
}

TEST(EventJsonTest, TextMustBeUtf8) {
  Result<std::string> line = EncodeEvent(Make(EventType::kInvoke, Call::Put("k", "\xff\xfe")));
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(
      DecodeEvent("{\"process\":1,\"type\":\"invoke\",\"op\":\"get\",\"key\":\"\xff\",\"time\":1}")
          .ok());
}

}  // namespace
}  // namespace strata::check
