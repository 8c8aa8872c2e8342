/**
 * A minimal `serving.kserve.io/v1beta1` InferenceService CRD for tests: the group, version, names
 * and status subresource KServe's own CRD has, with the schema left open (KServe's is thousands of
 * lines). Installing it makes a cluster look like one with KServe to API discovery; no controller
 * acts on the objects, so a test reports their status itself.
 */
export const KSERVE_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: inferenceservices.serving.kserve.io
spec:
  group: serving.kserve.io
  scope: Namespaced
  names:
    kind: InferenceService
    listKind: InferenceServiceList
    plural: inferenceservices
    singular: inferenceservice
    shortNames: [isvc]
  versions:
  - name: v1beta1
    served: true
    storage: true
    subresources:
      status: {}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
`;
