// Kafka for the Knative Kafka broker, through Strimzi (KRaft only): one node pool whose single
// node is both controller and broker, and the broker's config pointing at it. Default profile only.
import { partOf, type KubeObject } from '../render/kube-object.ts';
import type { PlatformContext } from './context.ts';

export const kafkaCluster = { name: 'forecast-kafka', pool: 'dual-role' } as const;

export function kafkaBootstrapServers(namespace: string): string {
  return `${kafkaCluster.name}-kafka-bootstrap.${namespace}.svc:9092`;
}

export function renderKafka(ctx: PlatformContext): KubeObject[] {
  const labels = partOf(ctx.app, 'kafka');
  return [
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaNodePool',
      metadata: { name: kafkaCluster.pool, namespace: ctx.namespace, labels: { ...labels, 'strimzi.io/cluster': kafkaCluster.name } },
      spec: {
        replicas: 1,
        roles: ['controller', 'broker'],
        storage: { type: 'persistent-claim', size: '2Gi', deleteClaim: true },
        resources: { requests: { cpu: '250m', memory: '768Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      },
    },
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: { name: kafkaCluster.name, namespace: ctx.namespace, labels },
      spec: {
        kafka: {
          listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
          config: {
            'offsets.topic.replication.factor': 1,
            'transaction.state.log.replication.factor': 1,
            'transaction.state.log.min.isr': 1,
            'default.replication.factor': 1,
            'min.insync.replicas': 1,
          },
        },
        entityOperator: { topicOperator: {}, userOperator: {} },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kafka-broker-config', namespace: 'knative-eventing', labels },
      data: {
        'bootstrap.servers': kafkaBootstrapServers(ctx.namespace),
        'default.topic.partitions': '3',
        'default.topic.replication.factor': '1',
      },
    },
  ];
}
