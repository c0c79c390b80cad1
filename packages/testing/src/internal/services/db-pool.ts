import type { RecordParameters } from '../record-parameters';
import type { Service } from './service';

interface Statement {
  operation: string;
  table: string;
  sql: string;
}

const STATEMENTS: ReadonlyArray<Statement> = [
  {
    operation: 'SELECT',
    table: 'orders',
    sql: 'SELECT id, status, total FROM orders WHERE id = $1',
  },
  {
    operation: 'SELECT',
    table: 'order_items',
    sql: 'SELECT sku, qty, price FROM order_items WHERE order_id = $1 ORDER BY line_no',
  },
  {
    operation: 'UPDATE',
    table: 'inventory',
    sql: 'UPDATE inventory SET reserved = reserved + $1 WHERE sku = $2 AND available >= $1',
  },
  {
    operation: 'INSERT',
    table: 'orders',
    sql: 'INSERT INTO orders (id, customer_id, total, currency) VALUES ($1, $2, $3, $4)',
  },
  {
    operation: 'SELECT',
    table: 'sessions',
    sql: 'SELECT user_id, expires_at FROM sessions WHERE token_hash = $1 AND revoked = false',
  },
];

const HOSTS = ['db-primary-1.internal', 'db-replica-2.internal', 'db-replica-3.internal'];

/** A statement's attributes: system, operation, table, server (4). */
function statement(p: RecordParameters) {
  const s = p.pick(STATEMENTS);
  return {
    s,
    attributes: {
      'db.system.name': 'postgresql',
      'db.operation.name': s.operation,
      'db.collection.name': s.table,
      'server.address': p.pick(HOSTS),
    },
  };
}

const pool = (p: RecordParameters) => `HikariPool-${p.between(1, 2)}`;

/** The database layer (JVM: HikariCP pool, JDBC statements): pool stats, slow queries, timeouts. */
export const DB_POOL: Service = {
  name: 'db-pool',
  runtime: { kind: 'java', entry: 'worker' },
  namespaces: [
    'com.zaxxer.hikari.pool.HikariPool',
    'com.acme.orders.repository.OrderRepository',
    'org.hibernate.SQL',
  ],
  appFrames: [
    'com.acme.orders.repository.OrderRepository.findById(OrderRepository.java:64)',
    'com.acme.orders.repository.InventoryRepository.reserve(InventoryRepository.java:118)',
    'com.acme.orders.OrderService.load(OrderService.java:77)',
    'org.springframework.transaction.support.TransactionTemplate.execute(TransactionTemplate.java:140)',
  ],
  calls: [],
  templates: {
    trace: [
      (p) => ({
        body: `${pool(p)} - Connection org.postgresql.jdbc.PgConnection@${p.hex(4)} borrowed (active=${p.between(1, 20)})`,
        attributes: { 'db.system.name': 'postgresql', 'thread.name': p.javaThread('worker') },
      }),
    ],
    debug: [
      (p) => {
        const { s, attributes } = statement(p);
        return {
          body: `${s.sql.replace(/\$\d/g, '?')} -- binding parameter (1:VARCHAR) <- [${p.orderId()}]`,
          attributes,
        };
      },
      (p) => {
        const ids = Array.from({ length: p.between(5, 90) }, () => `'${p.orderId()}'`);
        return {
          body: `SELECT id, status FROM orders WHERE id IN (${ids.join(', ')})`,
          attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT' },
        };
      },
    ],
    info: [
      (p) => {
        const [name, active] = [pool(p), p.between(0, 20)];
        return {
          body: `${name} - Pool stats (total=20, active=${active}, idle=${20 - active}, waiting=0)`,
          attributes: {
            'db.system.name': 'postgresql',
            'db.client.connection.pool.name': name,
            'db.client.connections.usage': active,
          },
        };
      },
      (p) => {
        const { s, attributes } = statement(p);
        return {
          body: `Query completed in ${p.millis(6)} ms: ${s.sql} (rows=${p.between(0, 40)})`,
          attributes,
        };
      },
    ],
    warn: [
      (p) => {
        const { s, attributes } = statement(p);
        return {
          body: `Slow query (${p.between(501, 6000)} ms > 500 ms): ${s.sql}`,
          attributes,
        };
      },
      (p) => ({
        body: `${pool(p)} - Thread starvation or clock leap detected (housekeeper delta=${p.between(31, 90)}s).`,
        attributes: { 'db.system.name': 'postgresql', 'thread.name': `${pool(p)} housekeeper` },
      }),
    ],
    error: [
      (p) => {
        const name = pool(p);
        return {
          body: `${name} - Connection is not available, request timed out after 30000ms (total=20, active=20, idle=0, waiting=${p.between(1, 80)})`,
          attributes: {
            'db.system.name': 'postgresql',
            'db.client.connection.pool.name': name,
            'error.type': 'java.sql.SQLTransientConnectionException',
          },
          exception: {
            type: 'java.sql.SQLTransientConnectionException',
            message: `${name} - Connection is not available, request timed out after 30000ms.`,
            frames: [
              'com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)',
              'com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)',
              'com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:128)',
            ],
          },
        };
      },
      (p) => {
        const { s, attributes } = statement(p);
        return {
          body: `Transaction rolled back: ${s.sql}`,
          attributes: { ...attributes, 'error.type': 'org.postgresql.util.PSQLException' },
          exception: {
            type: 'org.postgresql.util.PSQLException',
            message: `ERROR: deadlock detected\n  Detail: Process ${p.between(1000, 99_999)} waits for ShareLock on transaction ${p.between(1e6, 9e6)}; blocked by process ${p.between(1000, 99_999)}.`,
            frames: [
              'org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2733)',
              'org.postgresql.jdbc.PgPreparedStatement.executeUpdate(PgPreparedStatement.java:152)',
            ],
          },
        };
      },
    ],
    fatal: [
      (p) => {
        const host = p.pick(HOSTS);
        return {
          body: `${pool(p)} - Exception during pool initialization.`,
          attributes: {
            'db.system.name': 'postgresql',
            'server.address': host,
            'error.type': 'org.postgresql.util.PSQLException',
          },
          exception: {
            type: 'org.postgresql.util.PSQLException',
            message: `Connection to ${host}:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.`,
            frames: [
              'org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:346)',
              'com.zaxxer.hikari.pool.PoolBase.newConnection(PoolBase.java:369)',
            ],
            cause: { type: 'java.net.ConnectException', message: 'Connection refused' },
          },
        };
      },
    ],
  },
};
