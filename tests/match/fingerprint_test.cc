#include "match/fingerprint.h"

#include <gtest/gtest.h>

#include "core/hash.h"

namespace klaxon {
namespace {

using Frames = std::vector<std::string>;

// fingerprint(), checked against fingerprint_hash() (the matcher's group key) on every case:
// the two must always give the same hash.
Fingerprint checked_fingerprint(std::string_view message, size_t max_frames = 3) {
  Fingerprint fp = fingerprint(message, max_frames);
  EXPECT_EQ(fingerprint_hash(message, max_frames), fp.hash) << message;
  return fp;
}

// One bug (an NPE in PayService.charge behind a Spring proxy) as two hosts log it after
// different deploys: other line numbers, lambda ids, CGLIB suffixes, proxy and accessor
// numbers, threads, request ids and timestamps.
constexpr std::string_view kNpeHost1 =
    "2026-11-24 10:15:30.123 ERROR [http-nio-8080-exec-3] c.p.s.PayService - charge failed "
    "reqId=a1b2c3 orderId=20261124001\n"
    "java.lang.NullPointerException: Cannot invoke \"com.pay.model.Card.getToken()\" because "
    "\"card\" is null\n"
    "\tat com.pay.service.PayService.lambda$charge$0(PayService.java:88)\n"
    "\tat java.base/java.util.Optional.map(Optional.java:260)\n"
    "\tat com.pay.service.PayService.charge(PayService.java:90) ~[pay-core-1.4.2.jar:?]\n"
    "\tat com.pay.service.PayService$$EnhancerBySpringCGLIB$$1a2b3c4d.charge(<generated>)\n"
    "\tat jdk.internal.reflect.GeneratedMethodAccessor123.invoke(Unknown Source)\n"
    "\tat org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor.intercept("
    "CglibAopProxy.java:688)\n"
    "\tat com.pay.web.PayController.pay(PayController.java:41)\n"
    "\t... 87 common frames omitted";

constexpr std::string_view kNpeHost2 =
    "2026-11-25 03:02:01,999 ERROR [http-nio-8080-exec-17] c.p.s.PayService - charge failed "
    "reqId=ffee99 orderId=20261125777\r\n"
    "java.lang.NullPointerException: Cannot invoke \"com.pay.model.Card.getToken()\" because "
    "\"card\" is null\r\n"
    "\tat com.pay.service.PayService.lambda$charge$3(PayService.java:102)\r\n"
    "\tat java.base/java.util.Optional.map(Optional.java:260)\r\n"
    "\tat com.pay.service.PayService.charge(PayService.java:104) ~[pay-core-1.5.0.jar:?]\r\n"
    "\tat com.pay.service.PayService$$EnhancerBySpringCGLIB$$9f8e7d6c.charge(<generated>)\r\n"
    "\tat jdk.internal.reflect.GeneratedMethodAccessor7.invoke(Unknown Source)\r\n"
    "\tat org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor.intercept("
    "CglibAopProxy.java:701)\r\n"
    "\tat com.pay.web.PayController.pay(PayController.java:45)\r\n";

TEST(Fingerprint, SameBugOnOtherHostsAndDeploysIsOneGroup) {
  Fingerprint a = checked_fingerprint(kNpeHost1);
  Fingerprint b = checked_fingerprint(kNpeHost2);
  EXPECT_EQ(a.exception_class, "java.lang.NullPointerException");
  EXPECT_EQ(a.top_frames,
            (Frames{"com.pay.service.PayService.lambda$charge", "com.pay.service.PayService.charge",
                    "com.pay.service.PayService.charge"}));
  EXPECT_EQ(a.top_frames, b.top_frames);
  EXPECT_EQ(a.exception_class, b.exception_class);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.hash.size(), 16u);
}

TEST(Fingerprint, HashIsFnvOfClassAndFrames) {
  Fingerprint a = checked_fingerprint(kNpeHost1);
  EXPECT_EQ(a.hash, hex64(fnv1a64("java.lang.NullPointerException\n"
                                  "com.pay.service.PayService.lambda$charge\n"
                                  "com.pay.service.PayService.charge\n"
                                  "com.pay.service.PayService.charge")));
}

TEST(Fingerprint, DifferentExceptionClassIsAnotherGroup) {
  std::string other(kNpeHost1);
  other.replace(other.find("java.lang.NullPointerException"),
                std::string_view("java.lang.NullPointerException").size(),
                "java.lang.IllegalStateException");
  Fingerprint f = checked_fingerprint(other);
  EXPECT_EQ(f.exception_class, "java.lang.IllegalStateException");
  EXPECT_NE(f.hash, checked_fingerprint(kNpeHost1).hash);
}

TEST(Fingerprint, SameClassOtherTopApplicationFrameIsAnotherGroup) {
  std::string_view refund =
      "2026-11-24 ERROR [exec-1] c.p.s.RefundService - refund failed\n"
      "java.lang.NullPointerException: null\n"
      "\tat com.pay.service.RefundService.refund(RefundService.java:12)\n"
      "\tat com.pay.web.PayController.refund(PayController.java:77)\n";
  std::string_view charge =
      "2026-11-24 ERROR [exec-1] c.p.s.RefundService - refund failed\n"
      "java.lang.NullPointerException: null\n"
      "\tat com.pay.service.ChargeService.charge(ChargeService.java:12)\n"
      "\tat com.pay.web.PayController.refund(PayController.java:77)\n";
  EXPECT_EQ(checked_fingerprint(refund).exception_class,
            checked_fingerprint(charge).exception_class);
  EXPECT_NE(checked_fingerprint(refund).hash, checked_fingerprint(charge).hash);
}

TEST(Fingerprint, FrameworkFramesAreSkipped) {
  std::string_view trace =
      "ERROR request failed\n"
      "java.lang.IllegalArgumentException: amount must be positive\n"
      "\tat java.base/java.math.BigDecimal.<init>(BigDecimal.java:1)\n"
      "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:2)\n"
      "\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n"
      "\tat com.sun.proxy.$Proxy12.pay(Unknown Source)\n"
      "\tat kotlin.collections.CollectionsKt.map(Collections.kt:3)\n"
      "\tat org.springframework.web.method.HandlerMethod.invoke(HandlerMethod.java:4)\n"
      "\tat "
      "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:5)\n"
      "\tat io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(A.java:6)\n"
      "\tat com.fasterxml.jackson.databind.ObjectMapper.readValue(ObjectMapper.java:7)\n"
      "\tat org.hibernate.internal.SessionImpl.find(SessionImpl.java:8)\n"
      "\tat com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:9)\n"
      "\tat reactor.core.publisher.Mono.block(Mono.java:10)\n"
      "\tat io.undertow.server.Connectors.executeRootHandler(Connectors.java:11)\n"
      "\tat org.eclipse.jetty.server.Server.handle(Server.java:12)\n"
      "\tat scala.Option.map(Option.scala:13)\n"
      "\tat com.pay.domain.Amount.of(Amount.java:14)\n"
      "\tat org.springframework.cglib.proxy.MethodProxy.invoke(MethodProxy.java:15)\n"
      "\tat com.pay.service.PayService.charge(PayService.java:16)\n";
  EXPECT_EQ(checked_fingerprint(trace).top_frames,
            (Frames{"com.pay.domain.Amount.of", "com.pay.service.PayService.charge"}));
  EXPECT_EQ(checked_fingerprint(trace, 1).top_frames, Frames{"com.pay.domain.Amount.of"});
}

TEST(Fingerprint, OnlyFrameworkFramesUsesTheFirstFramesNormalised) {
  std::string_view a =
      "ERROR boom\n"
      "java.lang.reflect.UndeclaredThrowableException\n"
      "\tat jdk.proxy2/jdk.proxy2.$Proxy123.pay(Unknown Source)\n"
      "\tat jdk.internal.reflect.GeneratedMethodAccessor45.invoke(Unknown Source)\n"
      "\tat java.base/java.lang.Thread.run(Thread.java:833)\n"
      "\tat java.base/java.lang.Thread.run(Thread.java:833)\n";
  std::string_view b =
      "ERROR boom\n"
      "java.lang.reflect.UndeclaredThrowableException\n"
      "\tat jdk.proxy3/jdk.proxy3.$Proxy9.pay(Unknown Source)\n"
      "\tat jdk.internal.reflect.GeneratedMethodAccessor2.invoke(Unknown Source)\n"
      "\tat java.base/java.lang.Thread.run(Thread.java:840)\n";
  Fingerprint fa = checked_fingerprint(a);
  EXPECT_EQ(fa.exception_class, "java.lang.reflect.UndeclaredThrowableException");
  EXPECT_EQ(fa.top_frames,
            (Frames{"jdk.proxy.$Proxy.pay", "jdk.internal.reflect.GeneratedMethodAccessor.invoke",
                    "java.lang.Thread.run"}));
  EXPECT_EQ(fa.hash, checked_fingerprint(b).hash);
}

TEST(Fingerprint, CausedByChainUsesTheOutermostException) {
  std::string_view trace =
      "2026-11-24 ERROR [exec-2] c.p.d.OrderDao - save failed\n"
      "org.springframework.dao.DataAccessResourceFailureException: db down; nested exception "
      "is java.sql.SQLTransientConnectionException\n"
      "\tat org.springframework.jdbc.support.SQLStateSQLExceptionTranslator.doTranslate(S.java:1)\n"
      "\tat com.pay.dao.OrderDao.save(OrderDao.java:55)\n"
      "\tat com.pay.service.OrderService.place(OrderService.java:30)\n"
      "Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not "
      "available, request timed out after 30000ms.\n"
      "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)\n"
      "\tat com.pay.dao.ConnectionHelper.get(ConnectionHelper.java:9)\n"
      "\t... 12 more\n";
  Fingerprint f = checked_fingerprint(trace);
  EXPECT_EQ(f.exception_class, "org.springframework.dao.DataAccessResourceFailureException");
  EXPECT_EQ(f.top_frames,
            (Frames{"com.pay.dao.OrderDao.save", "com.pay.service.OrderService.place"}));

  std::string other_cause(trace);
  other_cause.replace(other_cause.find("ConnectionHelper.get"), 20, "PoolHelper.borrow");
  EXPECT_EQ(checked_fingerprint(other_cause).hash, f.hash)
      << "the cause's frames are not part of it";
}

TEST(Fingerprint, CausedByWithoutOuterHeaderNamesTheCause) {
  std::string_view trace =
      "ERROR failed: java.lang.RuntimeException: wrapped\n"
      "\tat com.pay.A.run(A.java:1)\n"
      "Caused by: java.io.IOException: disk\n"
      "\tat com.pay.B.read(B.java:2)\n";
  Fingerprint f = checked_fingerprint(trace);
  EXPECT_EQ(f.exception_class, "java.io.IOException");
  EXPECT_EQ(f.top_frames, Frames{"com.pay.A.run"});
}

TEST(Fingerprint, HeaderShapes) {
  EXPECT_EQ(checked_fingerprint("ERROR x\ncom.pay.PayService$ChargeException: declined\n"
                                "\tat com.pay.PayService.charge(PayService.java:1)")
                .exception_class,
            "com.pay.PayService$ChargeException");
  EXPECT_EQ(
      checked_fingerprint("ERROR x\njava.lang.NullPointerException\n\tat com.pay.A.b(A.java:1)")
          .exception_class,
      "java.lang.NullPointerException");
  EXPECT_EQ(checked_fingerprint("java.lang.IllegalStateException: boom\n\tat com.pay.A.b(A.java:1)")
                .exception_class,
            "java.lang.IllegalStateException")
      << "a trace logged without a log line";
  EXPECT_EQ(checked_fingerprint("com.pay.Config: loaded\nsecond line").exception_class, "")
      << "line 0 is a header only when a frame follows";
  EXPECT_EQ(
      checked_fingerprint("ERROR x\nsee docs.example.Page for help\n\tat com.pay.A.b(A.java:1)")
          .exception_class,
      "");
  EXPECT_EQ(checked_fingerprint("ERROR x\ncom.pay.lowercase: no\n\tat com.pay.A.b(A.java:1)")
                .exception_class,
            "");
}

TEST(Fingerprint, GeneratedNamesAreNormalised) {
  auto top = [](std::string_view frame) {
    std::string msg = "ERROR x\ncom.pay.E: y\n\tat " + std::string(frame) + "(X.java:1)";
    auto f = checked_fingerprint(msg).top_frames;
    return f.empty() ? std::string() : f[0];
  };
  EXPECT_EQ(top("com.pay.PayService.lambda$null$12"), "com.pay.PayService.lambda$null");
  EXPECT_EQ(top("com.pay.PayService$3.run"), "com.pay.PayService.run");
  EXPECT_EQ(top("com.pay.PayService$Inner.run"), "com.pay.PayService$Inner.run");
  EXPECT_EQ(top("com.pay.PayService$$FastClassBySpringCGLIB$$abc123.invoke"),
            "com.pay.PayService.invoke");
  EXPECT_EQ(top("com.pay.Flow$$Lambda$1234/0x0000000800c4b440.apply"), "com.pay.Flow.apply");
  EXPECT_EQ(top("com.pay.Order$HibernateProxy$Xq1zT9.getId"), "com.pay.Order$HibernateProxy.getId");
  EXPECT_EQ(top("app//com.pay.Main.main"), "com.pay.Main.main");
  EXPECT_EQ(top("com.pay.gen.Rule_123e4567-e89b-12d3-a456-426614174000.eval"),
            "com.pay.gen.Rule_.eval");
  EXPECT_EQ(top("com.pay.util.Base64Codec.decode"), "com.pay.util.Base64Codec.decode")
      << "digits that are part of a real name stay";
}

TEST(Fingerprint, WithoutStackTraceTheFirstLineWithoutIdsGroups) {
  Fingerprint a = checked_fingerprint(
      "2026-11-24 10:15:30.123 ERROR [http-nio-8080-exec-3] c.p.ChannelClient - channel "
      "timeout after 3000ms reqId=9f1c2a orderId=20261124001 trace=123e4567-e89b-12d3-a456-"
      "426614174000 at 0x7ffd1234");
  Fingerprint b = checked_fingerprint(
      "2026-11-25 03:02:01,999 ERROR [http-nio-8080-exec-17]  c.p.ChannelClient - channel "
      "timeout after 5000ms reqId=77aa00 orderId=20261125777 trace=00000000-1111-2222-3333-"
      "444444444444 at 0xdead10cc\nsecond line differs");
  Fingerprint c = checked_fingerprint(
      "2026-11-24 10:15:30.123 ERROR [http-nio-8080-exec-3] c.p.ChannelClient - channel "
      "refused reqId=9f1c2a orderId=20261124001");
  EXPECT_TRUE(a.exception_class.empty());
  EXPECT_TRUE(a.top_frames.empty());
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_NE(a.hash, c.hash);
  EXPECT_EQ(checked_fingerprint("").hash.size(), 16u);
}

// The matcher's fingerprint_hash() and fingerprint() agree on traces of every shape: lines
// drawn from headers, chains, plain and odd frames, log lines and blanks, any max_frames.
TEST(Fingerprint, HashOnlyPathAgreesOnEveryShape) {
  const std::vector<std::string_view> pool = {
      "2026-11-24 10:15:30.123 ERROR [main] c.p.s.PayService - charge failed reqId=a1",
      "java.lang.IllegalStateException: pool exhausted",
      "com.pay.PayException",
      "Caused by: java.io.IOException: Broken pipe",
      "Suppressed: java.lang.RuntimeException: x",
      "Wrapped by: com.pay.Wrapper: y",
      "\tat com.pay.service.PayService.charge(PayService.java:90)",
      "\tat java.util.Optional.map(Optional.java:260)",
      "\tat org.springframework.aop.Proxy.invoke(Proxy.java:1)",
      "\tat com.pay.service.PayService$$EnhancerBySpringCGLIB$$1a2b.charge(<generated>)",
      "\tat java.base/java.util.Optional.map(Optional.java:260)",
      "\tat com.sun.proxy.$Proxy123.charge(Unknown Source)",
      "\tat jdk.proxy2.Foo.bar(Unknown Source)",
      "\tat com.pay.123.Foo.bar(Foo.java:1)",
      "\tat com.pay..Foo.bar(Foo.java:1)",
      "\tat com.pay.Foo.0x1f2e.bar(Foo.java:1)",
      "\tat com.pay.Id123e4567-e89b-12d3-a456-426614174000.run(X.java:1)",
      "\tat com.pay.GeneratedAccessor12.invoke(Unknown Source)",
      "\tat com.pay.web.PayController.pay(PayController.java:41)",
      "\t... 87 common frames omitted",
      "",
      "  at  weird(",
      "plain text line 42",
  };
  uint64_t state = 12345;
  auto next = [&state](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((state >> 33) % n);
  };
  for (int round = 0; round < 3000; ++round) {
    std::string message;
    const size_t lines = next(9);
    for (size_t i = 0; i < lines; ++i) {
      if (i > 0) message += next(4) == 0 ? "\r\n" : "\n";
      message += pool[next(pool.size())];
    }
    const size_t max_frames = next(5);
    ASSERT_EQ(fingerprint_hash(message, max_frames), fingerprint(message, max_frames).hash)
        << "max_frames " << max_frames << ", message:\n"
        << message;
  }
}

}  // namespace
}  // namespace klaxon
