#include "gen/catalogue.h"

#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace klaxon::gen {
namespace {

using K = EventKind;
using T = ThreadKind;

// Bodies are what follows "[reqId=...] " in the message. Words that rules react to are
// deliberate: ERROR only as the level of ERROR kinds, the exclude keywords of
// rules/pay.yaml ('HealthCheck', 'ClientAbortException', 'Broken pipe', 'test-merchant')
// only in error_excluded lines, one keyword per line.
constexpr LineSpec kLines[] = {
    // pay_success: INFO, business log.
    {K::pay_success, "INFO", "pay-biz", "com.pay.service.PayService", T::web, 10,
     "pay-success orderId={order} merchantId={merchant} channel={channel} amount={amount} "
     "cost={cost}ms"},
    {K::pay_success, "INFO", "pay-biz", "com.pay.notify.MerchantNotifier", T::notify, 4,
     "pay-success notified orderId={order} merchantId={merchant} attempt={attempt} "
     "httpStatus=200 cost={cost}ms"},
    {K::pay_success, "INFO", "pay-biz", "com.pay.web.CallbackController", T::web, 3,
     "pay-success callback orderId={order} channel={channel} tradeNo={trade} amount={amount} "
     "verified=true"},
    // pay_failure: WARN, business declines.
    {K::pay_failure, "WARN", "pay-biz", "com.pay.service.PayService", T::web, 5,
     "pay-failure orderId={order} merchantId={merchant} channel={channel} amount={amount} "
     "code=BALANCE_NOT_ENOUGH cost={cost}ms"},
    {K::pay_failure, "WARN", "pay-biz", "com.pay.service.PayService", T::web, 3,
     "pay-failure orderId={order} merchantId={merchant} channel=unionpay amount={amount} "
     "code=CARD_EXPIRED cardBin=622588 cost={cost}ms"},
    {K::pay_failure, "WARN", "pay-biz", "com.pay.risk.RiskGuard", T::web, 2,
     "pay-failure orderId={order} merchantId={merchant} userId={user} amount={amount} "
     "code=RISK_REJECTED riskScore=87 policy=velocity-1h"},
    // debug: DEBUG, debug log; JSON, quotes, backslashes, a tab and UTF-8 inside messages.
    {K::debug, "DEBUG", "pay-debug", "com.pay.channel.alipay.AlipayClient", T::web, 3,
     "alipay request method=alipay.trade.pay bizContent={\"out_trade_no\":\"{order}\","
     "\"total_amount\":\"{amount}\",\"subject\":"
     "\"\xe8\xae\xa2\xe5\x8d\x95\xe6\x94\xaf\xe4\xbb\x98\"}"},
    {K::debug, "DEBUG", "pay-debug", "com.pay.channel.ChannelRouter", T::web, 3,
     "route orderId={order} candidates=[alipay, wechat, unionpay] picked={channel} "
     "weights=[0.55, 0.35, 0.10]"},
    {K::debug, "DEBUG", "pay-debug", "c.p.o.m.PayOrderMapper.selectByOrderNo", T::web, 3,
     "==>  Preparing: select id, status, amount from pay_order where order_no = ? "
     "==> Parameters: {order}(String)"},
    {K::debug, "DEBUG", "pay-debug", "com.pay.infra.cache.OrderCache", T::web, 2,
     "cache miss key=pay:order:{order} loader=db ttl=300s cost={cost}ms"},
    {K::debug, "DEBUG", "pay-debug", "com.pay.channel.wechat.WechatClient", T::web, 2,
     "wechat response status=200 headers=Request-ID:{hex}\tWechatpay-Serial:5157F09EFD "
     "body={\\\"prepay_id\\\":\\\"wx{trade}\\\"}"},
    // error: ERROR without stack trace or exclude keyword.
    {K::error, "ERROR", "pay-biz", "com.pay.service.PayService", T::web, 5,
     "pay-failure orderId={order} channel={channel} code=CHANNEL_TIMEOUT cost={slow}ms"},
    {K::error, "ERROR", "pay-biz", "com.pay.channel.unionpay.UnionpayClient", T::web, 3,
     "channel call failed orderId={order} channel=unionpay httpStatus=502 "
     "body=<html><head><title>502 Bad Gateway</title></head></html> cost={cost}ms"},
    {K::error, "ERROR", "pay-biz", "com.pay.order.OrderService", T::web, 2,
     "order update failed orderId={order} sql=update pay_order set status=? where order_no=? "
     "reason=Lock wait timeout exceeded; try restarting transaction"},
    {K::error, "ERROR", "pay-biz", "com.pay.notify.MerchantNotifier", T::notify, 3,
     "notify merchant failed orderId={order} merchantId={merchant} attempt={attempt} "
     "url=https://api.merchant.example.com/notify reason=connect timed out"},
    {K::error, "ERROR", "pay-debug", "com.pay.infra.lock.RedisLock", T::web, 2,
     "redis lock acquire timed out key=pay:lock:{order} waited={slow}ms holder={hex}"},
    // error_excluded: ERROR lines the rules must veto, exactly one keyword each.
    {K::error_excluded, "ERROR", "pay-debug", "com.pay.monitor.RedisMonitor", T::scheduler, 1,
     "HealthCheck ping to redis failed node=10.20.3.14:6379 cost={slow}ms"},
    {K::error_excluded, "ERROR", "pay-biz", "com.pay.web.GlobalExceptionHandler", T::web, 1,
     "response write aborted uri=/api/pay/query orderId={order} "
     "cause=org.apache.catalina.connector.ClientAbortException: java.io.IOException: "
     "Connection reset by peer"},
    {K::error_excluded, "ERROR", "pay-biz", "com.pay.notify.MerchantNotifier", T::notify, 1,
     "notify callback write failed orderId={order} merchantId={merchant} "
     "java.io.IOException: Broken pipe"},
    {K::error_excluded, "ERROR", "pay-biz", "com.pay.service.PayService", T::web, 1,
     "pay-failure orderId={order} merchantId=test-merchant channel={channel} "
     "code=CHANNEL_TIMEOUT cost={slow}ms"},
};

// Trace markup, one line each:
//   at FRAME                 a frame ("\tat FRAME")
//   ...more PREFIX           "\t... N more": N = frames of the enclosing exception after the
//                            first one starting with PREFIX
//   ... N more               literal
//   @cglib CLASS METHOD      the Spring AOP proxy frames between CLASS.METHOD and its caller
//   @mvc plain|secure        Spring MVC + Tomcat down to Thread.run (secure: with the Spring
//                            Security filter chain)
//   anything else            literal (exception lines, "Caused by: ...")
// CGLIB suffixes are written as 00000000 and replaced per host.

constexpr const char* kMvcHead = R"(at sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
at sun.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:62)
at sun.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
at java.lang.reflect.Method.invoke(Method.java:498)
at org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:205)
at org.springframework.web.method.support.InvocableHandlerMethod.invokeForRequest(InvocableHandlerMethod.java:150)
at org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle(ServletInvocableHandlerMethod.java:117)
at org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter.invokeHandlerMethod(RequestMappingHandlerAdapter.java:895)
at org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter.handleInternal(RequestMappingHandlerAdapter.java:808)
at org.springframework.web.servlet.mvc.method.AbstractHandlerMethodAdapter.handle(AbstractHandlerMethodAdapter.java:87)
at org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1070)
at org.springframework.web.servlet.DispatcherServlet.doService(DispatcherServlet.java:963)
at org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1006)
at org.springframework.web.servlet.FrameworkServlet.doPost(FrameworkServlet.java:909)
at javax.servlet.http.HttpServlet.service(HttpServlet.java:681)
at org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:883)
at javax.servlet.http.HttpServlet.service(HttpServlet.java:764)
at org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:227)
at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:162)
at org.apache.tomcat.websocket.server.WsFilter.doFilter(WsFilter.java:53)
at org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:189)
at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:162)
at com.pay.web.filter.ReqIdFilter.doFilter(ReqIdFilter.java:38)
at org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:189)
at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:162))";

constexpr const char* kMvcSecurity =
    R"(at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:336)
at org.springframework.security.web.access.intercept.FilterSecurityInterceptor.invoke(FilterSecurityInterceptor.java:115)
at org.springframework.security.web.access.intercept.FilterSecurityInterceptor.doFilter(FilterSecurityInterceptor.java:81)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.access.ExceptionTranslationFilter.doFilter(ExceptionTranslationFilter.java:122)
at org.springframework.security.web.access.ExceptionTranslationFilter.doFilter(ExceptionTranslationFilter.java:116)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.session.SessionManagementFilter.doFilter(SessionManagementFilter.java:126)
at org.springframework.security.web.session.SessionManagementFilter.doFilter(SessionManagementFilter.java:81)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.authentication.AnonymousAuthenticationFilter.doFilter(AnonymousAuthenticationFilter.java:109)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.servletapi.SecurityContextHolderAwareRequestFilter.doFilter(SecurityContextHolderAwareRequestFilter.java:149)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.savedrequest.RequestCacheAwareFilter.doFilter(RequestCacheAwareFilter.java:63)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.authentication.logout.LogoutFilter.doFilter(LogoutFilter.java:103)
at org.springframework.security.web.authentication.logout.LogoutFilter.doFilter(LogoutFilter.java:89)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.web.filter.CorsFilter.doFilterInternal(CorsFilter.java:91)
at org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:117)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.header.HeaderWriterFilter.doHeadersAfter(HeaderWriterFilter.java:90)
at org.springframework.security.web.header.HeaderWriterFilter.doFilterInternal(HeaderWriterFilter.java:75)
at org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:117)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.context.SecurityContextPersistenceFilter.doFilter(SecurityContextPersistenceFilter.java:112)
at org.springframework.security.web.context.SecurityContextPersistenceFilter.doFilter(SecurityContextPersistenceFilter.java:82)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.context.request.async.WebAsyncManagerIntegrationFilter.doFilterInternal(WebAsyncManagerIntegrationFilter.java:55)
at org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:117)
at org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:346)
at org.springframework.security.web.FilterChainProxy.doFilterInternal(FilterChainProxy.java:221)
at org.springframework.security.web.FilterChainProxy.doFilter(FilterChainProxy.java:186)
at org.springframework.web.filter.DelegatingFilterProxy.invokeDelegate(DelegatingFilterProxy.java:354)
at org.springframework.web.filter.DelegatingFilterProxy.doFilter(DelegatingFilterProxy.java:267)
at org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:189)
at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:162))";

constexpr const char* kMvcTail =
    R"(at org.springframework.web.filter.RequestContextFilter.doFilterInternal(RequestContextFilter.java:100)
at org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:117)
at org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:189)
at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:162)
at org.springframework.web.filter.FormContentFilter.doFilterInternal(FormContentFilter.java:93)
at org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:117)
at org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:189)
at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:162)
at org.springframework.web.filter.CharacterEncodingFilter.doFilterInternal(CharacterEncodingFilter.java:201)
at org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:117)
at org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:189)
at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:162)
at org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:197)
at org.apache.catalina.core.StandardContextValve.invoke(StandardContextValve.java:97)
at org.apache.catalina.authenticator.AuthenticatorBase.invoke(AuthenticatorBase.java:541)
at org.apache.catalina.core.StandardHostValve.invoke(StandardHostValve.java:135)
at org.apache.catalina.valves.ErrorReportValve.invoke(ErrorReportValve.java:92)
at org.apache.catalina.core.StandardEngineValve.invoke(StandardEngineValve.java:78)
at org.apache.catalina.connector.CoyoteAdapter.service(CoyoteAdapter.java:360)
at org.apache.coyote.http11.Http11Processor.service(Http11Processor.java:399)
at org.apache.coyote.AbstractProcessorLight.process(AbstractProcessorLight.java:65)
at org.apache.coyote.AbstractProtocol$ConnectionHandler.process(AbstractProtocol.java:890)
at org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1789)
at org.apache.tomcat.util.net.SocketProcessorBase.run(SocketProcessorBase.java:49)
at org.apache.tomcat.util.threads.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1191)
at org.apache.tomcat.util.threads.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:659)
at org.apache.tomcat.util.threads.TaskThread$WrappingRunnable.run(TaskThread.java:61)
at java.lang.Thread.run(Thread.java:750))";

// Between CLASS.METHOD and the caller of the proxied bean: CGLIB fast-class invocation,
// the transaction interceptor and the enhancer subclass.
constexpr const char* kCglib = R"(at CLASS$$FastClassBySpringCGLIB$$00000000.invoke(<generated>)
at org.springframework.cglib.proxy.MethodProxy.invoke(MethodProxy.java:218)
at org.springframework.aop.framework.CglibAopProxy$CglibMethodInvocation.invokeJoinpoint(CglibAopProxy.java:793)
at org.springframework.aop.framework.ReflectiveMethodInvocation.proceed(ReflectiveMethodInvocation.java:163)
at org.springframework.aop.framework.CglibAopProxy$CglibMethodInvocation.proceed(CglibAopProxy.java:763)
at org.springframework.transaction.interceptor.TransactionInterceptor$1.proceedWithInvocation(TransactionInterceptor.java:123)
at org.springframework.transaction.interceptor.TransactionAspectSupport.invokeWithinTransaction(TransactionAspectSupport.java:388)
at org.springframework.transaction.interceptor.TransactionInterceptor.invoke(TransactionInterceptor.java:119)
at org.springframework.aop.framework.ReflectiveMethodInvocation.proceed(ReflectiveMethodInvocation.java:186)
at org.springframework.aop.framework.CglibAopProxy$CglibMethodInvocation.proceed(CglibAopProxy.java:763)
at org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor.intercept(CglibAopProxy.java:708)
at CLASS$$EnhancerBySpringCGLIB$$00000000.METHOD(<generated>))";

constexpr BugSpec kBugs[] = {
    {"npe-pay-charge", "java.lang.NullPointerException", "com.pay.service.PayService.lambda$charge",
     "com.pay.service.PayService", T::web, 5,
     "charge failed orderId={order} merchantId={merchant} channel={channel} amount={amount}",
     R"TRACE(java.lang.NullPointerException: null
at com.pay.service.PayService.lambda$charge$0(PayService.java:142)
at java.util.Optional.map(Optional.java:215)
at com.pay.service.PayService.charge(PayService.java:139)
@cglib com.pay.service.PayService charge
at com.pay.web.PayController.pay(PayController.java:57)
@mvc secure)TRACE"},

    {"alipay-timeout", "com.pay.channel.ChannelException",
     "com.pay.channel.alipay.AlipayClient.execute", "com.pay.channel.ChannelRouter", T::web, 4,
     "channel call failed orderId={order} channel=alipay amount={amount} cost={slow}ms",
     R"TRACE(com.pay.channel.ChannelException: alipay gateway timeout orderId={order} cost={slow}ms
at com.pay.channel.alipay.AlipayClient.execute(AlipayClient.java:188)
at com.pay.channel.alipay.AlipayChannel.pay(AlipayChannel.java:74)
at com.pay.channel.ChannelRouter.dispatch(ChannelRouter.java:96)
at com.pay.service.PayService.charge(PayService.java:151)
@cglib com.pay.service.PayService charge
at com.pay.web.PayController.pay(PayController.java:57)
@mvc plain
Caused by: java.net.SocketTimeoutException: Read timed out
at java.net.SocketInputStream.socketRead0(Native Method)
at java.net.SocketInputStream.socketRead(SocketInputStream.java:116)
at java.net.SocketInputStream.read(SocketInputStream.java:171)
at java.net.SocketInputStream.read(SocketInputStream.java:141)
at sun.security.ssl.SSLSocketInputRecord.read(SSLSocketInputRecord.java:464)
at sun.security.ssl.SSLSocketInputRecord.bytesInCompletePacket(SSLSocketInputRecord.java:68)
at sun.security.ssl.SSLSocketImpl.readApplicationRecord(SSLSocketImpl.java:1341)
at sun.security.ssl.SSLSocketImpl.access$300(SSLSocketImpl.java:73)
at sun.security.ssl.SSLSocketImpl$AppInputStream.read(SSLSocketImpl.java:957)
at okio.Okio$2.read(Okio.java:140)
at okio.AsyncTimeout$2.read(AsyncTimeout.java:237)
at okio.RealBufferedSource.indexOf(RealBufferedSource.java:358)
at okio.RealBufferedSource.readUtf8LineStrict(RealBufferedSource.java:230)
at okhttp3.internal.http1.Http1ExchangeCodec.readHeaderLine(Http1ExchangeCodec.java:242)
at okhttp3.internal.http1.Http1ExchangeCodec.readResponseHeaders(Http1ExchangeCodec.java:213)
at okhttp3.internal.connection.Exchange.readResponseHeaders(Exchange.java:115)
at okhttp3.internal.http.CallServerInterceptor.intercept(CallServerInterceptor.java:94)
at okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.java:142)
at okhttp3.internal.connection.ConnectInterceptor.intercept(ConnectInterceptor.java:43)
at okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.java:142)
at okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.java:117)
at okhttp3.internal.cache.CacheInterceptor.intercept(CacheInterceptor.java:94)
at okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.java:142)
at okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.java:117)
at okhttp3.internal.http.BridgeInterceptor.intercept(BridgeInterceptor.java:93)
at okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.java:142)
at okhttp3.internal.http.RetryAndFollowUpInterceptor.intercept(RetryAndFollowUpInterceptor.java:88)
at okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.java:142)
at okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.java:117)
at okhttp3.RealCall.getResponseWithInterceptorChain(RealCall.java:229)
at okhttp3.RealCall.execute(RealCall.java:81)
at com.pay.channel.alipay.AlipayClient.execute(AlipayClient.java:171)
...more com.pay.channel.alipay.AlipayClient.execute)TRACE"},

    {"order-dup-key", "org.springframework.dao.DuplicateKeyException",
     "com.pay.order.repository.PayOrderRepository.insert", "com.pay.order.OrderService", T::web, 3,
     "create order failed orderId={order} merchantId={merchant} amount={amount}",
     R"TRACE(org.springframework.dao.DuplicateKeyException: PreparedStatementCallback; SQL [insert into pay_order (order_no, merchant_id, amount, status) values (?, ?, ?, ?)]; Duplicate entry '{order}' for key 'uk_order_no'; nested exception is java.sql.SQLIntegrityConstraintViolationException: Duplicate entry '{order}' for key 'uk_order_no'
at org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator.doTranslate(SQLErrorCodeSQLExceptionTranslator.java:247)
at org.springframework.jdbc.support.AbstractFallbackSQLExceptionTranslator.translate(AbstractFallbackSQLExceptionTranslator.java:70)
at org.springframework.jdbc.core.JdbcTemplate.translateException(JdbcTemplate.java:1575)
at org.springframework.jdbc.core.JdbcTemplate.execute(JdbcTemplate.java:667)
at org.springframework.jdbc.core.JdbcTemplate.update(JdbcTemplate.java:960)
at org.springframework.jdbc.core.JdbcTemplate.update(JdbcTemplate.java:1015)
at org.springframework.jdbc.core.JdbcTemplate.update(JdbcTemplate.java:1025)
at com.pay.order.repository.PayOrderRepository.insert(PayOrderRepository.java:48)
at com.pay.order.OrderService.createOrder(OrderService.java:87)
@cglib com.pay.order.OrderService createOrder
at com.pay.web.OrderController.create(OrderController.java:41)
@mvc plain
Caused by: java.sql.SQLIntegrityConstraintViolationException: Duplicate entry '{order}' for key 'uk_order_no'
at com.mysql.cj.jdbc.exceptions.SQLError.createSQLException(SQLError.java:117)
at com.mysql.cj.jdbc.exceptions.SQLExceptionsMapping.translateException(SQLExceptionsMapping.java:122)
at com.mysql.cj.jdbc.ClientPreparedStatement.executeInternal(ClientPreparedStatement.java:916)
at com.mysql.cj.jdbc.ClientPreparedStatement.executeUpdateInternal(ClientPreparedStatement.java:1061)
at com.mysql.cj.jdbc.ClientPreparedStatement.executeUpdateInternal(ClientPreparedStatement.java:1009)
at com.mysql.cj.jdbc.ClientPreparedStatement.executeLargeUpdate(ClientPreparedStatement.java:1320)
at com.mysql.cj.jdbc.ClientPreparedStatement.executeUpdate(ClientPreparedStatement.java:994)
at com.zaxxer.hikari.pool.ProxyPreparedStatement.executeUpdate(ProxyPreparedStatement.java:61)
at com.zaxxer.hikari.pool.HikariProxyPreparedStatement.executeUpdate(HikariProxyPreparedStatement.java)
at org.springframework.jdbc.core.JdbcTemplate.lambda$update$2(JdbcTemplate.java:965)
at org.springframework.jdbc.core.JdbcTemplate.execute(JdbcTemplate.java:651)
...more org.springframework.jdbc.core.JdbcTemplate.execute)TRACE"},

    {"notify-ack-json", "com.fasterxml.jackson.core.JsonParseException",
     "com.pay.notify.MerchantNotifier.parseAck", "com.pay.notify.MerchantNotifier", T::notify, 3,
     "notify ack unreadable orderId={order} merchantId={merchant} attempt={attempt}",
     R"TRACE(com.fasterxml.jackson.core.JsonParseException: Unexpected character ('<' (code 60)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')
 at [Source: (String)"<html><body>success</body></html>"; line: 1, column: 2]
at com.fasterxml.jackson.core.JsonParser._constructError(JsonParser.java:2337)
at com.fasterxml.jackson.core.base.ParserMinimalBase._reportError(ParserMinimalBase.java:720)
at com.fasterxml.jackson.core.base.ParserMinimalBase._reportUnexpectedChar(ParserMinimalBase.java:646)
at com.fasterxml.jackson.core.json.ReaderBasedJsonParser._handleOddValue(ReaderBasedJsonParser.java:2002)
at com.fasterxml.jackson.core.json.ReaderBasedJsonParser.nextToken(ReaderBasedJsonParser.java:802)
at com.fasterxml.jackson.databind.ObjectMapper._initForReading(ObjectMapper.java:4761)
at com.fasterxml.jackson.databind.ObjectMapper._readMapAndClose(ObjectMapper.java:4667)
at com.fasterxml.jackson.databind.ObjectMapper.readValue(ObjectMapper.java:3629)
at com.fasterxml.jackson.databind.ObjectMapper.readValue(ObjectMapper.java:3597)
at com.pay.notify.MerchantNotifier.parseAck(MerchantNotifier.java:133)
at com.pay.notify.MerchantNotifier.send(MerchantNotifier.java:97)
at com.pay.notify.NotifyRetryJob.lambda$run$1(NotifyRetryJob.java:64)
at java.util.concurrent.CompletableFuture$AsyncRun.run(CompletableFuture.java:1640)
at java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1149)
at java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:624)
at java.lang.Thread.run(Thread.java:750))TRACE"},

    {"order-close-state", "java.lang.IllegalStateException",
     "com.pay.order.OrderStateMachine.transit", "com.pay.order.OrderTimeoutJob", T::scheduler, 2,
     "close expired order failed orderId={order}",
     R"TRACE(java.lang.IllegalStateException: order {order} status PAID cannot transition to CLOSED
at com.pay.order.OrderStateMachine.transit(OrderStateMachine.java:58)
at com.pay.order.OrderService.close(OrderService.java:203)
@cglib com.pay.order.OrderService close
at com.pay.order.OrderTimeoutJob.closeExpired(OrderTimeoutJob.java:45)
at sun.reflect.GeneratedMethodAccessor212.invoke(Unknown Source)
at sun.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
at java.lang.reflect.Method.invoke(Method.java:498)
at org.springframework.scheduling.support.ScheduledMethodRunnable.run(ScheduledMethodRunnable.java:84)
at org.springframework.scheduling.support.DelegatingErrorHandlingRunnable.run(DelegatingErrorHandlingRunnable.java:54)
at java.util.concurrent.Executors$RunnableAdapter.call(Executors.java:511)
at java.util.concurrent.FutureTask.runAndReset(FutureTask.java:308)
at java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask.access$301(ScheduledThreadPoolExecutor.java:180)
at java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask.run(ScheduledThreadPoolExecutor.java:294)
at java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1149)
at java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:624)
at java.lang.Thread.run(Thread.java:750))TRACE"},

    {"wechat-sign-verify", "com.pay.channel.wechat.SignatureVerifyException",
     "com.pay.channel.wechat.WechatSigner.verify", "c.p.c.wechat.WechatCallbackHandler", T::web, 2,
     "wechat callback rejected orderId={order} serial=5157F09EFDC096DE15EBE81A47057A72",
     R"TRACE(com.pay.channel.wechat.SignatureVerifyException: wechatpay signature verification failed serial=5157F09EFDC096DE15EBE81A47057A72 orderId={order}
at com.pay.channel.wechat.WechatSigner.verify(WechatSigner.java:112)
at com.pay.channel.wechat.WechatCallbackHandler.handle(WechatCallbackHandler.java:66)
at com.pay.web.CallbackController.wechat(CallbackController.java:38)
@mvc secure
Caused by: java.security.SignatureException: Signature length not correct: got 255 but was expecting 256
at sun.security.rsa.RSASignature.engineVerify(RSASignature.java:211)
at java.security.Signature$Delegate.engineVerify(Signature.java:1394)
at java.security.Signature.verify(Signature.java:789)
at com.pay.channel.wechat.WechatSigner.verify(WechatSigner.java:104)
...more com.pay.channel.wechat.WechatSigner.verify)TRACE"},

    {"refund-split", "java.lang.ArithmeticException", "com.pay.service.RefundService.splitAmount",
     "com.pay.mq.RefundRequestListener", T::mq, 2,
     "refund failed orderId={order} refundAmount={amount} parts=3",
     R"TRACE(java.lang.ArithmeticException: Non-terminating decimal expansion; no exact representable decimal result.
at java.math.BigDecimal.divide(BigDecimal.java:1693)
at com.pay.service.RefundService.splitAmount(RefundService.java:211)
at com.pay.service.RefundService.lambda$refund$2(RefundService.java:96)
at java.util.stream.ReferencePipeline$3$1.accept(ReferencePipeline.java:193)
at java.util.ArrayList$ArrayListSpliterator.forEachRemaining(ArrayList.java:1384)
at java.util.stream.AbstractPipeline.copyInto(AbstractPipeline.java:482)
at java.util.stream.AbstractPipeline.wrapAndCopyInto(AbstractPipeline.java:472)
at java.util.stream.ReduceOps$ReduceOp.evaluateSequential(ReduceOps.java:708)
at java.util.stream.AbstractPipeline.evaluate(AbstractPipeline.java:234)
at java.util.stream.ReferencePipeline.collect(ReferencePipeline.java:499)
at com.pay.service.RefundService.refund(RefundService.java:97)
@cglib com.pay.service.RefundService refund
at com.pay.mq.RefundRequestListener.onMessage(RefundRequestListener.java:44)
at org.apache.rocketmq.spring.support.DefaultRocketMQListenerContainer.handleMessage(DefaultRocketMQListenerContainer.java:399)
at org.apache.rocketmq.spring.support.DefaultRocketMQListenerContainer.access$100(DefaultRocketMQListenerContainer.java:71)
at org.apache.rocketmq.spring.support.DefaultRocketMQListenerContainer$DefaultMessageListenerConcurrently.consumeMessage(DefaultRocketMQListenerContainer.java:359)
at org.apache.rocketmq.client.impl.consumer.ConsumeMessageConcurrentlyService$ConsumeRequest.run(ConsumeMessageConcurrentlyService.java:392)
at java.util.concurrent.Executors$RunnableAdapter.call(Executors.java:511)
at java.util.concurrent.FutureTask.run(FutureTask.java:266)
at java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1149)
at java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:624)
at java.lang.Thread.run(Thread.java:750))TRACE"},

    {"hikari-timeout", "org.springframework.transaction.CannotCreateTransactionException",
     "com.pay.order.OrderService.query", "com.pay.web.GlobalExceptionHandler", T::web, 1,
     "request failed uri=/api/order/query orderId={order} cost={slow}ms",
     R"TRACE(org.springframework.transaction.CannotCreateTransactionException: Could not open JDBC Connection for transaction; nested exception is java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.
at org.springframework.jdbc.datasource.DataSourceTransactionManager.doBegin(DataSourceTransactionManager.java:309)
at org.springframework.transaction.support.AbstractPlatformTransactionManager.startTransaction(AbstractPlatformTransactionManager.java:400)
at org.springframework.transaction.support.AbstractPlatformTransactionManager.getTransaction(AbstractPlatformTransactionManager.java:373)
at org.springframework.transaction.interceptor.TransactionAspectSupport.createTransactionIfNecessary(TransactionAspectSupport.java:595)
at org.springframework.transaction.interceptor.TransactionAspectSupport.invokeWithinTransaction(TransactionAspectSupport.java:382)
at org.springframework.transaction.interceptor.TransactionInterceptor.invoke(TransactionInterceptor.java:119)
at org.springframework.aop.framework.ReflectiveMethodInvocation.proceed(ReflectiveMethodInvocation.java:186)
at org.springframework.aop.framework.CglibAopProxy$CglibMethodInvocation.proceed(CglibAopProxy.java:763)
at org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor.intercept(CglibAopProxy.java:708)
at com.pay.order.OrderService$$EnhancerBySpringCGLIB$$00000000.query(<generated>)
at com.pay.web.OrderController.query(OrderController.java:66)
@mvc plain
Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.
at com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)
at com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:197)
at com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:162)
at com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:128)
at org.springframework.jdbc.datasource.DataSourceTransactionManager.doBegin(DataSourceTransactionManager.java:265)
...more org.springframework.jdbc.datasource.DataSourceTransactionManager.doBegin
Caused by: com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure
at com.mysql.cj.jdbc.exceptions.SQLError.createCommunicationsException(SQLError.java:174)
at com.mysql.cj.jdbc.exceptions.SQLExceptionsMapping.translateException(SQLExceptionsMapping.java:64)
at com.mysql.cj.jdbc.ConnectionImpl.createNewIO(ConnectionImpl.java:828)
at com.mysql.cj.jdbc.ConnectionImpl.<init>(ConnectionImpl.java:448)
at com.mysql.cj.jdbc.ConnectionImpl.getInstance(ConnectionImpl.java:241)
at com.mysql.cj.jdbc.NonRegisteringDriver.connect(NonRegisteringDriver.java:198)
at com.zaxxer.hikari.util.DriverDataSource.getConnection(DriverDataSource.java:138)
at com.zaxxer.hikari.pool.PoolBase.newConnection(PoolBase.java:364)
at com.zaxxer.hikari.pool.PoolBase.newPoolEntry(PoolBase.java:206)
at com.zaxxer.hikari.pool.HikariPool.createPoolEntry(HikariPool.java:476)
at com.zaxxer.hikari.pool.HikariPool.access$100(HikariPool.java:71)
at com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:726)
at com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:712)
at java.util.concurrent.FutureTask.run(FutureTask.java:266)
at java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1149)
at java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:624)
... 1 more
Caused by: java.net.ConnectException: Connection refused (Connection refused)
at java.net.PlainSocketImpl.socketConnect(Native Method)
at java.net.AbstractPlainSocketImpl.doConnect(AbstractPlainSocketImpl.java:350)
at java.net.AbstractPlainSocketImpl.connectToAddress(AbstractPlainSocketImpl.java:206)
at java.net.AbstractPlainSocketImpl.connect(AbstractPlainSocketImpl.java:188)
at java.net.SocksSocketImpl.connect(SocksSocketImpl.java:392)
at java.net.Socket.connect(Socket.java:607)
at com.mysql.cj.protocol.StandardSocketFactory.connect(StandardSocketFactory.java:155)
at com.mysql.cj.protocol.a.NativeSocketConnection.connect(NativeSocketConnection.java:63)
at com.mysql.cj.NativeSession.connect(NativeSession.java:120)
at com.mysql.cj.jdbc.ConnectionImpl.connectOneTryOnly(ConnectionImpl.java:948)
at com.mysql.cj.jdbc.ConnectionImpl.createNewIO(ConnectionImpl.java:818)
...more com.mysql.cj.jdbc.ConnectionImpl.createNewIO)TRACE"},
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Calls f(line) for each '\n'-separated line of text.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(start, end - start));
    start = end + 1;
  }
}

uint64_t fnv1a(std::string_view a, std::string_view b) {
  uint64_t h = 14695981039346656037ull;
  for (std::string_view s : {a, b})
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
  return h;
}

// Deploy versions: hosts run one of four builds round robin; each shifts the application
// line numbers and renumbers lambdas.
constexpr int kLineShift[] = {0, 4, 17, 9};
constexpr int kLambdaShift[] = {0, 3, 1, 2};

// Replaces the run of digits starting at `pos` with `value`; returns the position after it.
size_t replace_digits(std::string& s, size_t pos, int delta) {
  size_t end = pos;
  int value = 0;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') value = value * 10 + (s[end++] - '0');
  if (end == pos) return pos;
  std::string digits = std::to_string(value + delta);
  s.replace(pos, end - pos, digits);
  return pos + digits.size();
}

}  // namespace

std::span<const LineSpec> line_specs() { return kLines; }
std::span<const BugSpec> bug_specs() { return kBugs; }

std::string expand_trace(const BugSpec& bug) {
  std::vector<std::string> lines;
  std::vector<std::vector<std::string_view>> sections;  // frames per exception, outermost first
  auto frame = [&](std::string_view f) {
    lines.push_back("\tat " + std::string(f));
    if (sections.empty()) throw std::logic_error(std::string(bug.id) + ": frame before exception");
    sections.back().push_back(f);
  };
  auto block = [&](std::string_view text) {
    for_each_line(text, [&](std::string_view l) { frame(l.substr(3)); });
  };
  for_each_line(bug.trace, [&](std::string_view l) {
    if (starts_with(l, "at ")) {
      frame(l.substr(3));
    } else if (starts_with(l, "...more ")) {
      std::string_view prefix = l.substr(8);
      if (sections.size() < 2) throw std::logic_error(std::string(bug.id) + ": ...more at top");
      const auto& enclosing = sections[sections.size() - 2];
      size_t i = 0;
      while (i < enclosing.size() && !starts_with(enclosing[i], prefix)) ++i;
      if (i == enclosing.size())
        throw std::logic_error(std::string(bug.id) + ": no frame " + std::string(prefix));
      lines.push_back("\t... " + std::to_string(enclosing.size() - i - 1) + " more");
    } else if (starts_with(l, "... ")) {
      lines.push_back("\t" + std::string(l));
    } else if (starts_with(l, "@cglib ")) {
      std::string_view rest = l.substr(7);
      size_t space = rest.find(' ');
      std::string cls(rest.substr(0, space)), method(rest.substr(space + 1));
      std::string text = kCglib;
      for (size_t p; (p = text.find("CLASS")) != std::string::npos;) text.replace(p, 5, cls);
      text.replace(text.find("METHOD"), 6, method);
      for_each_line(text, [&](std::string_view f) {
        lines.push_back("\tat " + std::string(f.substr(3)));
        sections.back().push_back({});  // counted; content not needed for "...more"
      });
    } else if (l == "@mvc plain" || l == "@mvc secure") {
      block(kMvcHead);
      if (l == "@mvc secure") block(kMvcSecurity);
      block(kMvcTail);
    } else {
      if (lines.empty() || starts_with(l, "Caused by: ")) sections.emplace_back();
      lines.emplace_back(l);
    }
  });
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out.push_back('\n');
    out += l;
  }
  return out;
}

std::string vary_for_host(std::string_view trace, int host_index, std::string_view host_name) {
  const int version = host_index % 4;
  std::string out;
  out.reserve(trace.size() + 64);
  bool first = true;
  for_each_line(trace, [&](std::string_view in) {
    std::string l(in);
    if (starts_with(l, "\tat com.pay.")) {
      if (size_t p = l.find("lambda$"); p != std::string::npos) {
        size_t dollar = l.find('$', p + 7);
        if (dollar != std::string::npos) replace_digits(l, dollar + 1, kLambdaShift[version]);
      }
      if (size_t p = l.find("BySpringCGLIB$$"); p != std::string::npos && p + 23 <= l.size()) {
        char hex[9];
        std::snprintf(hex, sizeof hex, "%08x",
                      static_cast<unsigned>(fnv1a(host_name, l.substr(4, p - 4)) >> 16));
        l.replace(p + 15, 8, hex, 8);
      }
      if (size_t p = l.find(".java:"); p != std::string::npos)
        replace_digits(l, p + 6, kLineShift[version]);
    }
    if (size_t p = l.find("GeneratedMethodAccessor"); p != std::string::npos)
      replace_digits(l, p + 23, 37 * host_index);
    if (!first) out.push_back('\n');
    first = false;
    out += l;
  });
  return out;
}

std::shared_ptr<const Catalogue> Catalogue::build(int hosts) {
  auto c = std::make_shared<Catalogue>();
  c->lines.reserve(std::size(kLines));
  for (const LineSpec& spec : kLines) c->lines.push_back({&spec, TextTemplate(spec.body)});
  for (const Line& line : c->lines) {
    KindLines& k = c->by_kind[static_cast<int>(line.spec->kind)];
    int before = k.cumulative_weight.empty() ? 0 : k.cumulative_weight.back();
    k.lines.push_back(&line);
    k.cumulative_weight.push_back(before + line.spec->weight);
  }
  std::vector<std::string> traces;
  for (const BugSpec& bug : kBugs) {
    c->bug_bodies.emplace_back(bug.body);
    int before = c->bug_cumulative_weight.empty() ? 0 : c->bug_cumulative_weight.back();
    c->bug_cumulative_weight.push_back(before + bug.weight);
    traces.push_back(expand_trace(bug));
  }
  c->hosts.resize(static_cast<size_t>(hosts));
  for (int h = 0; h < hosts; ++h) {
    Catalogue::Host& host = c->hosts[static_cast<size_t>(h)];
    char name[32];
    std::snprintf(name, sizeof name, "pay-app-%02d", h + 1);
    host.name = name;
    host.pid = std::to_string(2841 + 1117 * h);
    for (const std::string& t : traces) host.traces.emplace_back(vary_for_host(t, h, host.name));
  }
  return c;
}

}  // namespace klaxon::gen
