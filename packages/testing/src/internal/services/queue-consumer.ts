import type { RecordParameters } from '../record-parameters';
import type { Service } from './service';

const TOPICS = ['orders.events', 'payments.events', 'shipments.events'];
const EVENTS = ['OrderPlaced', 'PaymentCaptured', 'OrderCancelled', 'ShipmentRequested'];

/** A consumed message's attributes: system, topic, partition, offset (4). */
function message(p: RecordParameters) {
  const topic = p.pick(TOPICS);
  const partition = p.int(12);
  const offset = p.between(1_000_000, 9_999_999);
  return {
    where: `${topic}-${partition}@${offset}`,
    topic,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(partition),
      'messaging.kafka.offset': offset,
    },
  };
}

const member = (p: RecordParameters) =>
  `[Consumer clientId=fulfillment-${p.int(6)}, groupId=fulfillment]`;

/** The fulfillment queue consumer (JVM, Spring Kafka): events handled, lag, retries, DLQ. */
export const QUEUE_CONSUMER: Service = {
  name: 'queue-consumer',
  runtime: { kind: 'java', entry: 'kafka' },
  namespaces: [
    'com.acme.fulfillment.OrderEventsListener',
    'com.acme.fulfillment.ShipmentService',
    'org.apache.kafka.clients.consumer.internals.ConsumerCoordinator',
  ],
  appFrames: [
    'com.acme.fulfillment.ShipmentService.requestLabel(ShipmentService.java:73)',
    'com.acme.fulfillment.OrderEventsListener.onOrderPlaced(OrderEventsListener.java:45)',
    'com.acme.fulfillment.OrderEventsListener.onMessage(OrderEventsListener.java:29)',
    'org.springframework.kafka.listener.adapter.RecordMessagingMessageListenerAdapter.onMessage(RecordMessagingMessageListenerAdapter.java:78)',
  ],
  calls: ['db-pool', 'checkout', 'cache'],
  templates: {
    trace: [
      (p) => ({
        body: `Fetch response for ${p.pick(TOPICS)}-${p.int(12)}: ${p.between(1, 500)} records, high watermark ${p.between(1e6, 1e7)}`,
        attributes: { 'messaging.system': 'kafka', 'thread.name': p.javaThread('kafka') },
      }),
    ],
    debug: [
      (p) => {
        const { where, attributes } = message(p);
        return {
          body: `Received record ${where}: key=${p.orderId()} headers={traceparent, event-type=${p.pick(EVENTS)}} value=${p.jsonPayload(p.between(2, 30))}`,
          attributes,
        };
      },
    ],
    info: [
      (p) => {
        const { where, attributes } = message(p);
        return {
          body: `Processed ${p.pick(EVENTS)} for ${p.orderId()} (${where}) in ${p.millis(23)} ms`,
          attributes,
        };
      },
      (p) => ({
        body: `Shipment label created for order ${p.orderId()}: carrier=${p.pick(['DHL', 'UPS', 'PostNord'])} tracking=${p.base62(12).toUpperCase()}`,
        attributes: {
          'messaging.system': 'kafka',
          'thread.name': p.javaThread('kafka'),
          'app.order.id': p.orderId(),
        },
      }),
      (p) => ({
        body: `${member(p)} Successfully joined group with generation Generation{generationId=${p.between(1, 90)}, memberId='fulfillment-${p.uuid()}', protocol='cooperative-sticky'}`,
        attributes: { 'messaging.system': 'kafka', 'messaging.consumer.group.name': 'fulfillment' },
      }),
    ],
    warn: [
      (p) => {
        const { topic, attributes } = message(p);
        return {
          body: `Consumer lag on ${topic} is ${p.between(10_001, 90_000)} messages (threshold 10000)`,
          attributes,
        };
      },
      (p) => {
        const { where, attributes } = message(p);
        return {
          body: `${member(p)} Offset commit failed on partition ${where}: The coordinator is not aware of this member.`,
          attributes,
        };
      },
    ],
    error: [
      (p) => {
        const { where, topic, attributes } = message(p);
        return {
          body: `Failed to process ${where}; sending to ${topic}.DLQ after 5 attempts`,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.destination.name': topic,
            'messaging.kafka.offset': attributes['messaging.kafka.offset'],
            'error.type': 'org.springframework.kafka.listener.ListenerExecutionFailedException',
          },
          exception: {
            type: 'org.springframework.kafka.listener.ListenerExecutionFailedException',
            message: 'Listener method could not be invoked with the incoming message',
            cause: {
              type: 'com.fasterxml.jackson.databind.exc.MismatchedInputException',
              message: `Cannot deserialize value of type \`java.math.BigDecimal\` from String "${p.base62(5)}": not a valid representation\n at [Source: REDACTED; line: 1, column: ${p.between(20, 400)}] (through reference chain: com.acme.events.OrderPlaced["total"])`,
              frames: [
                'com.fasterxml.jackson.databind.exc.MismatchedInputException.from(MismatchedInputException.java:63)',
                'com.fasterxml.jackson.databind.DeserializationContext.reportInputMismatch(DeserializationContext.java:1767)',
              ],
            },
          },
        };
      },
    ],
    fatal: [
      (p) => ({
        body: `${member(p)} Consumer stopped: unrecoverable error, partitions revoked`,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.consumer.group.name': 'fulfillment',
          'error.type': 'org.apache.kafka.common.errors.SerializationException',
        },
        exception: {
          type: 'org.apache.kafka.common.errors.SerializationException',
          message: `Error deserializing key/value for partition ${p.pick(TOPICS)}-${p.int(12)} at offset ${p.between(1e6, 1e7)}. If needed, please seek past the record to continue consumption.`,
          frames: [
            'org.apache.kafka.clients.consumer.internals.CompletedFetch.parseRecord(CompletedFetch.java:331)',
            'org.apache.kafka.clients.consumer.internals.CompletedFetch.fetchRecords(CompletedFetch.java:283)',
          ],
          cause: {
            type: 'org.apache.kafka.common.errors.SerializationException',
            message: 'Unknown magic byte!',
          },
        },
      }),
    ],
  },
};
