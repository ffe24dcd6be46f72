// Pairing events into ops, reading files, and writing them with
// HistoryWriter.
#include "tools/check/history.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "tools/check/history_reader.h"
#include "tools/check/history_writer.h"

namespace strata::check {
namespace {

Result<History> Read(const std::string& text) {
  std::istringstream in(text);
  return ReadHistory(in);
}

// The error message for `text`, which must be rejected.
std::string ErrorOf(const std::string& text) {
  Result<History> h = Read(text);
  EXPECT_FALSE(h.ok()) << text;
  if (h.ok()) return "";
  EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
  return h.status().message();
}

TEST(HistoryTest, WriterOutputReadsBack) {
  std::ostringstream out;
  int64_t now = 100;
  HistoryWriter w(&out, [&now] { return now += 10; });
  ASSERT_TRUE(w.Invoke(1, Call::Put("k", "a")).ok());                               // 110
  ASSERT_TRUE(w.Invoke(2, Call::Get("k")).ok());                                    // 120
  ASSERT_TRUE(w.Ok(1, Call::Put("k", "a"), Reply::Put()).ok());                     // 130
  ASSERT_TRUE(w.Ok(2, Call::Get("k"), Reply::Get("a", 1)).ok());                    // 140
  ASSERT_TRUE(w.Invoke(1, Call::CasVersion("k", 1, "b")).ok());                     // 150
  ASSERT_TRUE(w.Info(1, Call::CasVersion("k", 1, "b"), "deadline exceeded").ok());  // 160
  ASSERT_TRUE(w.Invoke(1, Call::Delete("k")).ok());                                 // 170
  ASSERT_TRUE(w.Fail(1, Call::Delete("k"), "permission denied").ok());              // 180
  ASSERT_TRUE(w.Invoke(3, Call::Get("k")).ok());                                    // 190

  Result<History> h = Read(out.str());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->failed, 1);
  EXPECT_EQ(h->unfinished, 1);
  ASSERT_EQ(h->ops.size(), 4u);
  const Op& put = h->ops[0];
  EXPECT_EQ(put.process, 1);
  EXPECT_EQ(put.call.value, "a");
  EXPECT_EQ(put.invoke_ns, 110);
  EXPECT_EQ(put.end_ns, 130);
  EXPECT_EQ(put.invoke_line, 1);
  EXPECT_EQ(put.end_line, 3);
  const Op& get = h->ops[1];
  EXPECT_EQ(get.reply.value, "a");
  EXPECT_EQ(get.reply.version, 1);
  const Op& cas = h->ops[2];
  EXPECT_EQ(cas.outcome, Outcome::kInfo);
  EXPECT_EQ(cas.error, "deadline exceeded");
  EXPECT_EQ(cas.call.expected_version, 1);
  EXPECT_EQ(cas.deadline_ns(), kNever);
  const Op& open = h->ops[3];
  EXPECT_EQ(open.process, 3);
  EXPECT_EQ(open.outcome, Outcome::kInfo);
  EXPECT_EQ(open.end_line, 0);
}

TEST(HistoryTest, WriterIsSafeFromManyThreadsAndFileBacked) {
  const std::string path = ::testing::TempDir() + "/history_writer_test.jsonl";
  Result<std::unique_ptr<HistoryWriter>> w = HistoryWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::vector<std::thread> threads;
  for (int p = 0; p < 4; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < 200; ++i) {
        const Call c = Call::Put("k" + std::to_string(p), std::to_string(i));
        ASSERT_TRUE((*w)->Invoke(p, c).ok());
        ASSERT_TRUE((*w)->Ok(p, c, Reply::Put()).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  Result<History> h = ReadHistoryFile(path);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->ops.size(), 800u);
  for (const Op& op : h->ops) EXPECT_LE(op.invoke_ns, op.end_ns);
}

TEST(HistoryTest, MissingFileIsAnIoError) {
  Result<History> h = ReadHistoryFile("/nonexistent/history.jsonl");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kIOError);
}

TEST(HistoryTest, BlankLinesAreSkippedAndLinesCounted) {
  Result<History> h = Read(
      "\n"
      R"({"process":1,"type":"invoke","op":"get","key":"k","time":1})"
      "\n  \n"
      R"({"process":1,"type":"ok","op":"get","key":"k","result":null,"time":2})"
      "\n");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->ops.size(), 1u);
  EXPECT_EQ(h->ops[0].invoke_line, 2);
  EXPECT_EQ(h->ops[0].end_line, 4);
}

TEST(HistoryTest, AProcessMayInvokeAgainAfterAnInfo) {
  Result<History> h =
      Read(R"({"process":1,"type":"invoke","op":"put","key":"k","value":"a","time":1})"
           "\n"
           R"({"process":1,"type":"info","op":"put","key":"k","time":2})"
           "\n"
           R"({"process":1,"type":"invoke","op":"get","key":"k","time":3})"
           "\n"
           R"({"process":1,"type":"ok","op":"get","key":"k","result":"a","time":4})"
           "\n");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->ops.size(), 2u);
}

TEST(HistoryTest, MalformedLinesNameTheLineAndTheProblem) {
  const std::string invoke_get = R"({"process":1,"type":"invoke","op":"get","key":"k","time":10})";
  EXPECT_EQ(ErrorOf(invoke_get + "\n{oops\n").rfind("line 2: not valid JSON", 0), 0u);
  EXPECT_NE(ErrorOf(R"({"process":1,"type":"ok","op":"get","key":"k","result":null,"time":1})")
                .find("line 1: process 1 has ok for get but no open op"),
            std::string::npos);
  EXPECT_NE(ErrorOf(invoke_get + "\n" + invoke_get + "\n")
                .find("line 2: process 1 invokes get while its get (line 1) is still open"),
            std::string::npos);
  EXPECT_NE(ErrorOf(invoke_get + "\n" +
                    R"({"process":1,"type":"ok","op":"put","key":"k","time":20})" + "\n")
                .find("line 2: process 1 ends put on key \"k\" but its open op (line 1) is get"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(invoke_get + "\n" +
              R"({"process":1,"type":"ok","op":"get","key":"j","result":null,"time":20})" + "\n")
          .find("on key \"j\" but its open op (line 1) is get on key \"k\""),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(invoke_get + "\n" +
              R"({"process":1,"type":"ok","op":"get","key":"k","result":null,"time":5})" + "\n")
          .find("line 2: process 1 ends at time 5, before its invoke at 10 (line 1)"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(invoke_get + "\n" + R"({"process":1,"type":"ok","op":"get","key":"k","time":20})")
          .find("line 2: missing field \"result\""),
      std::string::npos);
}

TEST(HistoryTest, ToEventsIsTheInverseOfTheBuilder) {
  Result<History> h = Read(
      R"({"process":1,"type":"invoke","op":"put","key":"k","value":"a","time":1})"
      "\n"
      R"({"process":2,"type":"invoke","op":"get","key":"k","time":2})"
      "\n"
      R"({"process":1,"type":"ok","op":"put","key":"k","time":3})"
      "\n"
      R"({"process":1,"type":"invoke","op":"cas","key":"k","compare":"value","expected":"a","value":"b","time":3})"
      "\n"
      R"({"process":2,"type":"ok","op":"get","key":"k","result":"a","time":4})"
      "\n"
      R"({"process":1,"type":"info","op":"cas","key":"k","time":9})"
      "\n");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  HistoryBuilder b;
  for (const Event& e : ToEvents(h->ops)) ASSERT_TRUE(b.Add(e).ok());
  const History again = b.Finish();
  ASSERT_EQ(again.ops.size(), h->ops.size());
  for (size_t i = 0; i < again.ops.size(); ++i) {
    EXPECT_EQ(DescribeCall(again.ops[i].call), DescribeCall(h->ops[i].call));
    EXPECT_EQ(DescribeOutcome(again.ops[i]), DescribeOutcome(h->ops[i]));
    EXPECT_EQ(again.ops[i].invoke_ns, h->ops[i].invoke_ns);
    EXPECT_EQ(again.ops[i].end_ns, h->ops[i].end_ns);
  }
}

}  // namespace
}  // namespace strata::check
