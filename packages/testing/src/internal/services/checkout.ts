import type { Service } from './service';

const PROVIDERS = ['acquirer-a', 'acquirer-b', 'wallet-pay'];
const DECLINES = ['insufficient_funds', 'card_expired', 'do_not_honor', 'suspected_fraud'];

/** The payment and checkout service (JVM, Spring): authorizations, declines, retries. */
export const CHECKOUT: Service = {
  name: 'checkout',
  runtime: { kind: 'java', entry: 'http' },
  namespaces: [
    'com.acme.checkout.CheckoutService',
    'com.acme.checkout.payment.PaymentClient',
    'com.acme.checkout.inventory.InventoryReservation',
  ],
  appFrames: [
    'com.acme.checkout.payment.PaymentClient.authorize(PaymentClient.java:142)',
    'com.acme.checkout.CheckoutService.pay(CheckoutService.java:211)',
    'com.acme.checkout.CheckoutService.placeOrder(CheckoutService.java:97)',
    'com.acme.checkout.web.CheckoutController.checkout(CheckoutController.java:58)',
    'java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)',
    'org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:255)',
  ],
  calls: ['db-pool', 'cache', 'queue-consumer'],
  templates: {
    trace: [
      (p) => ({
        body: `Entering CheckoutService.placeOrder(orderId=${p.orderId()}, items=${p.between(1, 8)})`,
        attributes: { 'thread.name': p.javaThread('http'), 'code.function': 'placeOrder' },
      }),
      (p) => ({
        body: `Idempotency key ${p.uuid()} not seen before, proceeding`,
        attributes: { 'thread.name': p.javaThread('http'), 'code.function': 'checkIdempotency' },
      }),
    ],
    debug: [
      (p) => ({
        body: `Cart snapshot for order ${p.orderId()}: ${p.jsonPayload(p.between(3, 40))}`,
        attributes: { 'thread.name': p.javaThread('http'), 'app.cart.items': p.between(1, 40) },
      }),
      (p) => {
        const region = p.region();
        return {
          body: `Computed tax for order ${p.orderId()}: ${p.pick([7, 19, 20, 25])}% of ${p.amount()} (region ${region})`,
          attributes: { 'thread.name': p.javaThread('http'), 'cloud.region': region },
        };
      },
    ],
    info: [
      (p) => {
        const [order, provider] = [p.orderId(), p.pick(PROVIDERS)];
        return {
          body: `Payment authorized: order=${order} amount=${p.amount()} ${p.currency()} provider=${provider} auth_code=${p.base62(6).toUpperCase()} in ${p.millis(420)} ms`,
          attributes: {
            'thread.name': p.javaThread('http'),
            'app.payment.provider': provider,
            'app.order.id': order,
          },
        };
      },
      (p) => {
        const [order, user] = [p.orderId(), p.userId()];
        return {
          body: `Checkout completed for order ${order} (${user}): ${p.between(1, 8)} items, total ${p.amount()} ${p.currency()}`,
          attributes: {
            'thread.name': p.javaThread('http'),
            'app.order.id': order,
            'user.id': user,
          },
        };
      },
    ],
    warn: [
      (p) => {
        const code = p.pick(DECLINES);
        return {
          body: `Payment declined for order ${p.orderId()}: ${code} (card ending ${p.between(1000, 9999)}, attempt ${p.between(1, 3)}/3)`,
          attributes: {
            'thread.name': p.javaThread('http'),
            'app.payment.provider': p.pick(PROVIDERS),
            'app.payment.decline_code': code,
          },
        };
      },
      (p) => ({
        body: `Retrying payment authorization for order ${p.orderId()} after 503 from ${p.pick(PROVIDERS)} (attempt ${p.between(2, 3)} of 3, backoff ${p.pick([200, 400, 800])} ms)`,
        attributes: { 'thread.name': p.javaThread('http'), 'http.response.status_code': 503 },
      }),
      (p) => {
        const sku = p.sku();
        return {
          body: `Inventory reservation for ${sku} partially failed: requested ${p.between(2, 6)}, reserved 1`,
          attributes: { 'thread.name': p.javaThread('http'), 'app.sku': sku },
        };
      },
    ],
    error: [
      (p) => {
        const provider = p.pick(PROVIDERS);
        return {
          body: `Payment authorization failed for order ${p.orderId()}`,
          attributes: {
            'thread.name': p.javaThread('http'),
            'app.payment.provider': provider,
            'error.type': 'org.springframework.web.client.ResourceAccessException',
          },
          exception: {
            type: 'org.springframework.web.client.ResourceAccessException',
            message: `I/O error on POST request for "https://${provider}.example.net/v2/authorizations": Read timed out`,
            frames: [
              'org.springframework.web.client.RestTemplate.createResourceAccessException(RestTemplate.java:915)',
              'org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:895)',
            ],
            cause: {
              type: 'java.net.SocketTimeoutException',
              message: 'Read timed out',
              frames: [
                'java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)',
                'java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:304)',
              ],
            },
          },
        };
      },
      (p) => ({
        body: `Failed to persist order ${p.orderId()}`,
        attributes: {
          'thread.name': p.javaThread('http'),
          'error.type': 'org.springframework.dao.DataIntegrityViolationException',
        },
        exception: {
          type: 'org.springframework.dao.DataIntegrityViolationException',
          message:
            'could not execute statement [insert into orders (id,customer_id,total) values (?,?,?)]',
          frames: [
            'org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:290)',
          ],
          cause: {
            type: 'org.postgresql.util.PSQLException',
            message: `ERROR: duplicate key value violates unique constraint "orders_idempotency_key_key"\n  Detail: Key (idempotency_key)=(${p.uuid()}) already exists.`,
            frames: [
              'org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2733)',
            ],
          },
        },
      }),
    ],
    fatal: [
      () => ({
        body: 'Application run failed: CheckoutService could not be created',
        attributes: {
          'thread.name': 'main',
          'error.type': 'java.lang.IllegalStateException',
        },
        exception: {
          type: 'java.lang.IllegalStateException',
          message: 'payment provider credentials missing: set PAYMENT_API_KEY',
          frames: ['com.acme.checkout.config.PaymentConfig.paymentClient(PaymentConfig.java:31)'],
        },
      }),
      (p) => {
        const thread = p.javaThread('worker');
        return {
          body: `Uncaught error in thread ${thread}, the JVM will exit`,
          attributes: {
            'thread.name': thread,
            'error.type': 'java.lang.OutOfMemoryError',
          },
          exception: {
            type: 'java.lang.OutOfMemoryError',
            message: 'Java heap space',
            frames: ['java.base/java.util.Arrays.copyOf(Arrays.java:3541)'],
          },
        };
      },
    ],
  },
};
