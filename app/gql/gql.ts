/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query InvitationPreview($token: String!) {\n    invitationPreview(token: $token) {\n      organizationName\n      email\n      role\n      expiresAt\n    }\n  }\n": typeof types.InvitationPreviewDocument,
    "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      organizationId\n      organizationName\n      role\n    }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  query MyOrganizationSlugs {\n    organizations {\n      id\n      slug\n    }\n  }\n": typeof types.MyOrganizationSlugsDocument,
    "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      role\n    }\n  }\n": typeof types.OrganizationsDocument,
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n    }\n  }\n": typeof types.CreateOrganizationDocument,
    "\n  query Viewer {\n    viewer {\n      role\n      permissions\n      authMethod\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  query AuditEvents($first: Int!, $before: Int) {\n    auditEvents(first: $first, before: $before) {\n      nextCursor\n      events {\n        id\n        seq\n        occurredAt\n        actorType\n        actorLabel\n        action\n        targetType\n        targetId\n        ip\n        userAgent\n        requestId\n        data\n        hash\n      }\n    }\n  }\n": typeof types.AuditEventsDocument,
    "\n  query AuditChain {\n    auditChain {\n      valid\n      checkedEvents\n      firstBrokenSeq\n      reason\n    }\n  }\n": typeof types.AuditChainDocument,
    "\n  query CompareRun($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      status\n      startTime\n      endTime\n      params {\n        key\n        value\n      }\n      latestMetrics {\n        key\n        value\n        step\n      }\n      experiment {\n        id\n        name\n        project {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.CompareRunDocument,
    "\n  query Experiment($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      isDefault\n      createdAt\n      lifecycleStage\n      tags {\n        key\n        value\n      }\n      project {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ExperimentDocument,
    "\n  query ExperimentRuns($experimentId: ID!, $filter: RunFilter, $orderBy: [RunOrderBy!], $first: Int, $after: String) {\n    runs(experimentId: $experimentId, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          name\n          status\n          startTime\n          endTime\n          createdByApiKeyId\n          params {\n            key\n            value\n          }\n          tags {\n            key\n            value\n          }\n          latestMetrics {\n            key\n            value\n            step\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ExperimentRunsDocument,
    "\n  query ExperimentProjects {\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          team {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.ExperimentProjectsDocument,
    "\n  query ProjectExperimentList($projectId: ID!) {\n    experiments(projectId: $projectId, first: 100) {\n      edges {\n        node {\n          id\n          name\n          isDefault\n          createdAt\n        }\n      }\n    }\n  }\n": typeof types.ProjectExperimentListDocument,
    "\n  query Members {\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.MembersDocument,
    "\n  query PendingInvitations {\n    invitations(pendingOnly: true) {\n      id\n      email\n      role\n      status\n      createdAt\n      expiresAt\n    }\n  }\n": typeof types.PendingInvitationsDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      inviteUrl\n      invitation {\n        id\n        email\n        role\n        expiresAt\n      }\n    }\n  }\n": typeof types.InviteMemberDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.RevokeInvitationDocument,
    "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      id\n      role\n    }\n  }\n": typeof types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input)\n  }\n": typeof types.RemoveMemberDocument,
    "\n  query Overview {\n    teams(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          description\n          createdAt\n          team {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    members(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    apiKeys(first: 1) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n": typeof types.OverviewDocument,
    "\n  query ProjectExperiments($projectId: ID!, $first: Int, $after: String) {\n    experiments(projectId: $projectId, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          name\n          isDefault\n          createdAt\n          updatedAt\n          tags {\n            key\n            value\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ProjectExperimentsDocument,
    "\n  mutation CreateExperiment($input: CreateExperimentInput!) {\n    createExperiment(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateExperimentDocument,
    "\n  query Project($id: ID!) {\n    project(id: $id) {\n      id\n      name\n      slug\n      description\n      createdAt\n      team {\n        id\n        name\n        members {\n          id\n          role\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": typeof types.ProjectDocument,
    "\n  query Projects {\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          slug\n          description\n          createdAt\n          team {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.ProjectsDocument,
    "\n  query RunArtifacts($runId: ID!, $path: String) {\n    runArtifacts(runId: $runId, path: $path) {\n      name\n      path\n      isDir\n      size\n      contentType\n      downloadUrl\n    }\n  }\n": typeof types.RunArtifactsDocument,
    "\n  query MetricSeries($runId: ID!, $key: String!, $maxPoints: Int, $minStep: Float, $maxStep: Float) {\n    metricSeries(runId: $runId, key: $key, maxPoints: $maxPoints, minStep: $minStep, maxStep: $maxStep) {\n      key\n      downsampled\n      totalPoints\n      minStep\n      maxStep\n      points {\n        step\n        value\n      }\n      buckets {\n        fromStep\n        toStep\n        count\n        min {\n          step\n          value\n        }\n        max {\n          step\n          value\n        }\n      }\n    }\n  }\n": typeof types.MetricSeriesDocument,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      status\n      lifecycleStage\n      startTime\n      endTime\n      createdByApiKeyId\n      params {\n        key\n        value\n      }\n      tags {\n        key\n        value\n      }\n      latestMetrics {\n        key\n        value\n        step\n      }\n      inputs {\n        name\n        digest\n        source\n        sourceType\n        schema\n        tags {\n          key\n          value\n        }\n      }\n      experiment {\n        id\n        name\n        project {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.RunDocument,
    "\n  query ApiKeys {\n    apiKeys(first: 100) {\n      edges {\n        node {\n          id\n          name\n          prefix\n          scopes\n          status\n          createdAt\n          expiresAt\n          lastUsedAt\n          revokedAt\n          ownerEmail\n        }\n      }\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      secret\n      apiKey {\n        id\n        name\n        prefix\n        expiresAt\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query OrgSettings {\n    organization {\n      id\n      name\n      slug\n      createdAt\n    }\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          user {\n            id\n          }\n        }\n      }\n    }\n  }\n": typeof types.OrgSettingsDocument,
    "\n  mutation LeaveOrganization($input: RemoveMemberInput!) {\n    removeMember(input: $input)\n  }\n": typeof types.LeaveOrganizationDocument,
    "\n  query Team($id: ID!) {\n    team(id: $id) {\n      id\n      name\n      slug\n      description\n      createdAt\n      members {\n        id\n        role\n        addedAt\n        user {\n          id\n          name\n          email\n        }\n      }\n      projects(first: 100) {\n        edges {\n          node {\n            id\n            name\n            slug\n            description\n            createdAt\n          }\n        }\n      }\n    }\n  }\n": typeof types.TeamDocument,
    "\n  query OrgMembersForPicker {\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": typeof types.OrgMembersForPickerDocument,
    "\n  mutation AddTeamMember($input: AddTeamMemberInput!) {\n    addTeamMember(input: $input) {\n      id\n    }\n  }\n": typeof types.AddTeamMemberDocument,
    "\n  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {\n    removeTeamMember(input: $input) {\n      id\n    }\n  }\n": typeof types.RemoveTeamMemberDocument,
    "\n  mutation CreateProject($input: CreateProjectInput!) {\n    createProject(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateProjectDocument,
    "\n  query Teams {\n    teams(first: 100) {\n      edges {\n        node {\n          id\n          name\n          slug\n          description\n          createdAt\n          members {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.TeamsDocument,
    "\n  mutation CreateTeam($input: CreateTeamInput!) {\n    createTeam(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateTeamDocument,
};
const documents: Documents = {
    "\n  query InvitationPreview($token: String!) {\n    invitationPreview(token: $token) {\n      organizationName\n      email\n      role\n      expiresAt\n    }\n  }\n": types.InvitationPreviewDocument,
    "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      organizationId\n      organizationName\n      role\n    }\n  }\n": types.AcceptInvitationDocument,
    "\n  query MyOrganizationSlugs {\n    organizations {\n      id\n      slug\n    }\n  }\n": types.MyOrganizationSlugsDocument,
    "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      role\n    }\n  }\n": types.OrganizationsDocument,
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n    }\n  }\n": types.CreateOrganizationDocument,
    "\n  query Viewer {\n    viewer {\n      role\n      permissions\n      authMethod\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.ViewerDocument,
    "\n  query AuditEvents($first: Int!, $before: Int) {\n    auditEvents(first: $first, before: $before) {\n      nextCursor\n      events {\n        id\n        seq\n        occurredAt\n        actorType\n        actorLabel\n        action\n        targetType\n        targetId\n        ip\n        userAgent\n        requestId\n        data\n        hash\n      }\n    }\n  }\n": types.AuditEventsDocument,
    "\n  query AuditChain {\n    auditChain {\n      valid\n      checkedEvents\n      firstBrokenSeq\n      reason\n    }\n  }\n": types.AuditChainDocument,
    "\n  query CompareRun($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      status\n      startTime\n      endTime\n      params {\n        key\n        value\n      }\n      latestMetrics {\n        key\n        value\n        step\n      }\n      experiment {\n        id\n        name\n        project {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.CompareRunDocument,
    "\n  query Experiment($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      isDefault\n      createdAt\n      lifecycleStage\n      tags {\n        key\n        value\n      }\n      project {\n        id\n        name\n      }\n    }\n  }\n": types.ExperimentDocument,
    "\n  query ExperimentRuns($experimentId: ID!, $filter: RunFilter, $orderBy: [RunOrderBy!], $first: Int, $after: String) {\n    runs(experimentId: $experimentId, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          name\n          status\n          startTime\n          endTime\n          createdByApiKeyId\n          params {\n            key\n            value\n          }\n          tags {\n            key\n            value\n          }\n          latestMetrics {\n            key\n            value\n            step\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ExperimentRunsDocument,
    "\n  query ExperimentProjects {\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          team {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.ExperimentProjectsDocument,
    "\n  query ProjectExperimentList($projectId: ID!) {\n    experiments(projectId: $projectId, first: 100) {\n      edges {\n        node {\n          id\n          name\n          isDefault\n          createdAt\n        }\n      }\n    }\n  }\n": types.ProjectExperimentListDocument,
    "\n  query Members {\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.MembersDocument,
    "\n  query PendingInvitations {\n    invitations(pendingOnly: true) {\n      id\n      email\n      role\n      status\n      createdAt\n      expiresAt\n    }\n  }\n": types.PendingInvitationsDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      inviteUrl\n      invitation {\n        id\n        email\n        role\n        expiresAt\n      }\n    }\n  }\n": types.InviteMemberDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n": types.RevokeInvitationDocument,
    "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      id\n      role\n    }\n  }\n": types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input)\n  }\n": types.RemoveMemberDocument,
    "\n  query Overview {\n    teams(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          description\n          createdAt\n          team {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    members(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    apiKeys(first: 1) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n": types.OverviewDocument,
    "\n  query ProjectExperiments($projectId: ID!, $first: Int, $after: String) {\n    experiments(projectId: $projectId, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          name\n          isDefault\n          createdAt\n          updatedAt\n          tags {\n            key\n            value\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ProjectExperimentsDocument,
    "\n  mutation CreateExperiment($input: CreateExperimentInput!) {\n    createExperiment(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateExperimentDocument,
    "\n  query Project($id: ID!) {\n    project(id: $id) {\n      id\n      name\n      slug\n      description\n      createdAt\n      team {\n        id\n        name\n        members {\n          id\n          role\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": types.ProjectDocument,
    "\n  query Projects {\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          slug\n          description\n          createdAt\n          team {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.ProjectsDocument,
    "\n  query RunArtifacts($runId: ID!, $path: String) {\n    runArtifacts(runId: $runId, path: $path) {\n      name\n      path\n      isDir\n      size\n      contentType\n      downloadUrl\n    }\n  }\n": types.RunArtifactsDocument,
    "\n  query MetricSeries($runId: ID!, $key: String!, $maxPoints: Int, $minStep: Float, $maxStep: Float) {\n    metricSeries(runId: $runId, key: $key, maxPoints: $maxPoints, minStep: $minStep, maxStep: $maxStep) {\n      key\n      downsampled\n      totalPoints\n      minStep\n      maxStep\n      points {\n        step\n        value\n      }\n      buckets {\n        fromStep\n        toStep\n        count\n        min {\n          step\n          value\n        }\n        max {\n          step\n          value\n        }\n      }\n    }\n  }\n": types.MetricSeriesDocument,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      status\n      lifecycleStage\n      startTime\n      endTime\n      createdByApiKeyId\n      params {\n        key\n        value\n      }\n      tags {\n        key\n        value\n      }\n      latestMetrics {\n        key\n        value\n        step\n      }\n      inputs {\n        name\n        digest\n        source\n        sourceType\n        schema\n        tags {\n          key\n          value\n        }\n      }\n      experiment {\n        id\n        name\n        project {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.RunDocument,
    "\n  query ApiKeys {\n    apiKeys(first: 100) {\n      edges {\n        node {\n          id\n          name\n          prefix\n          scopes\n          status\n          createdAt\n          expiresAt\n          lastUsedAt\n          revokedAt\n          ownerEmail\n        }\n      }\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      secret\n      apiKey {\n        id\n        name\n        prefix\n        expiresAt\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      status\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query OrgSettings {\n    organization {\n      id\n      name\n      slug\n      createdAt\n    }\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          user {\n            id\n          }\n        }\n      }\n    }\n  }\n": types.OrgSettingsDocument,
    "\n  mutation LeaveOrganization($input: RemoveMemberInput!) {\n    removeMember(input: $input)\n  }\n": types.LeaveOrganizationDocument,
    "\n  query Team($id: ID!) {\n    team(id: $id) {\n      id\n      name\n      slug\n      description\n      createdAt\n      members {\n        id\n        role\n        addedAt\n        user {\n          id\n          name\n          email\n        }\n      }\n      projects(first: 100) {\n        edges {\n          node {\n            id\n            name\n            slug\n            description\n            createdAt\n          }\n        }\n      }\n    }\n  }\n": types.TeamDocument,
    "\n  query OrgMembersForPicker {\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": types.OrgMembersForPickerDocument,
    "\n  mutation AddTeamMember($input: AddTeamMemberInput!) {\n    addTeamMember(input: $input) {\n      id\n    }\n  }\n": types.AddTeamMemberDocument,
    "\n  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {\n    removeTeamMember(input: $input) {\n      id\n    }\n  }\n": types.RemoveTeamMemberDocument,
    "\n  mutation CreateProject($input: CreateProjectInput!) {\n    createProject(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateProjectDocument,
    "\n  query Teams {\n    teams(first: 100) {\n      edges {\n        node {\n          id\n          name\n          slug\n          description\n          createdAt\n          members {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.TeamsDocument,
    "\n  mutation CreateTeam($input: CreateTeamInput!) {\n    createTeam(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateTeamDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query InvitationPreview($token: String!) {\n    invitationPreview(token: $token) {\n      organizationName\n      email\n      role\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  query InvitationPreview($token: String!) {\n    invitationPreview(token: $token) {\n      organizationName\n      email\n      role\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      organizationId\n      organizationName\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      organizationId\n      organizationName\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrganizationSlugs {\n    organizations {\n      id\n      slug\n    }\n  }\n"): (typeof documents)["\n  query MyOrganizationSlugs {\n    organizations {\n      id\n      slug\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      role\n    }\n  }\n"): (typeof documents)["\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n    }\n  }\n"): (typeof documents)["\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      role\n      permissions\n      authMethod\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      role\n      permissions\n      authMethod\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditEvents($first: Int!, $before: Int) {\n    auditEvents(first: $first, before: $before) {\n      nextCursor\n      events {\n        id\n        seq\n        occurredAt\n        actorType\n        actorLabel\n        action\n        targetType\n        targetId\n        ip\n        userAgent\n        requestId\n        data\n        hash\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditEvents($first: Int!, $before: Int) {\n    auditEvents(first: $first, before: $before) {\n      nextCursor\n      events {\n        id\n        seq\n        occurredAt\n        actorType\n        actorLabel\n        action\n        targetType\n        targetId\n        ip\n        userAgent\n        requestId\n        data\n        hash\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditChain {\n    auditChain {\n      valid\n      checkedEvents\n      firstBrokenSeq\n      reason\n    }\n  }\n"): (typeof documents)["\n  query AuditChain {\n    auditChain {\n      valid\n      checkedEvents\n      firstBrokenSeq\n      reason\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CompareRun($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      status\n      startTime\n      endTime\n      params {\n        key\n        value\n      }\n      latestMetrics {\n        key\n        value\n        step\n      }\n      experiment {\n        id\n        name\n        project {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query CompareRun($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      status\n      startTime\n      endTime\n      params {\n        key\n        value\n      }\n      latestMetrics {\n        key\n        value\n        step\n      }\n      experiment {\n        id\n        name\n        project {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Experiment($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      isDefault\n      createdAt\n      lifecycleStage\n      tags {\n        key\n        value\n      }\n      project {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Experiment($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      isDefault\n      createdAt\n      lifecycleStage\n      tags {\n        key\n        value\n      }\n      project {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentRuns($experimentId: ID!, $filter: RunFilter, $orderBy: [RunOrderBy!], $first: Int, $after: String) {\n    runs(experimentId: $experimentId, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          name\n          status\n          startTime\n          endTime\n          createdByApiKeyId\n          params {\n            key\n            value\n          }\n          tags {\n            key\n            value\n          }\n          latestMetrics {\n            key\n            value\n            step\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExperimentRuns($experimentId: ID!, $filter: RunFilter, $orderBy: [RunOrderBy!], $first: Int, $after: String) {\n    runs(experimentId: $experimentId, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          name\n          status\n          startTime\n          endTime\n          createdByApiKeyId\n          params {\n            key\n            value\n          }\n          tags {\n            key\n            value\n          }\n          latestMetrics {\n            key\n            value\n            step\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentProjects {\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          team {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExperimentProjects {\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          team {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProjectExperimentList($projectId: ID!) {\n    experiments(projectId: $projectId, first: 100) {\n      edges {\n        node {\n          id\n          name\n          isDefault\n          createdAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProjectExperimentList($projectId: ID!) {\n    experiments(projectId: $projectId, first: 100) {\n      edges {\n        node {\n          id\n          name\n          isDefault\n          createdAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Members {\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query Members {\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PendingInvitations {\n    invitations(pendingOnly: true) {\n      id\n      email\n      role\n      status\n      createdAt\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  query PendingInvitations {\n    invitations(pendingOnly: true) {\n      id\n      email\n      role\n      status\n      createdAt\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      inviteUrl\n      invitation {\n        id\n        email\n        role\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      inviteUrl\n      invitation {\n        id\n        email\n        role\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      id\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      id\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input)\n  }\n"): (typeof documents)["\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Overview {\n    teams(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          description\n          createdAt\n          team {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    members(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    apiKeys(first: 1) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Overview {\n    teams(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          description\n          createdAt\n          team {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    members(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n    apiKeys(first: 1) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProjectExperiments($projectId: ID!, $first: Int, $after: String) {\n    experiments(projectId: $projectId, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          name\n          isDefault\n          createdAt\n          updatedAt\n          tags {\n            key\n            value\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProjectExperiments($projectId: ID!, $first: Int, $after: String) {\n    experiments(projectId: $projectId, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          name\n          isDefault\n          createdAt\n          updatedAt\n          tags {\n            key\n            value\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateExperiment($input: CreateExperimentInput!) {\n    createExperiment(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateExperiment($input: CreateExperimentInput!) {\n    createExperiment(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Project($id: ID!) {\n    project(id: $id) {\n      id\n      name\n      slug\n      description\n      createdAt\n      team {\n        id\n        name\n        members {\n          id\n          role\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Project($id: ID!) {\n    project(id: $id) {\n      id\n      name\n      slug\n      description\n      createdAt\n      team {\n        id\n        name\n        members {\n          id\n          role\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Projects {\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          slug\n          description\n          createdAt\n          team {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query Projects {\n    projects(first: 100) {\n      edges {\n        node {\n          id\n          name\n          slug\n          description\n          createdAt\n          team {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunArtifacts($runId: ID!, $path: String) {\n    runArtifacts(runId: $runId, path: $path) {\n      name\n      path\n      isDir\n      size\n      contentType\n      downloadUrl\n    }\n  }\n"): (typeof documents)["\n  query RunArtifacts($runId: ID!, $path: String) {\n    runArtifacts(runId: $runId, path: $path) {\n      name\n      path\n      isDir\n      size\n      contentType\n      downloadUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MetricSeries($runId: ID!, $key: String!, $maxPoints: Int, $minStep: Float, $maxStep: Float) {\n    metricSeries(runId: $runId, key: $key, maxPoints: $maxPoints, minStep: $minStep, maxStep: $maxStep) {\n      key\n      downsampled\n      totalPoints\n      minStep\n      maxStep\n      points {\n        step\n        value\n      }\n      buckets {\n        fromStep\n        toStep\n        count\n        min {\n          step\n          value\n        }\n        max {\n          step\n          value\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MetricSeries($runId: ID!, $key: String!, $maxPoints: Int, $minStep: Float, $maxStep: Float) {\n    metricSeries(runId: $runId, key: $key, maxPoints: $maxPoints, minStep: $minStep, maxStep: $maxStep) {\n      key\n      downsampled\n      totalPoints\n      minStep\n      maxStep\n      points {\n        step\n        value\n      }\n      buckets {\n        fromStep\n        toStep\n        count\n        min {\n          step\n          value\n        }\n        max {\n          step\n          value\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      status\n      lifecycleStage\n      startTime\n      endTime\n      createdByApiKeyId\n      params {\n        key\n        value\n      }\n      tags {\n        key\n        value\n      }\n      latestMetrics {\n        key\n        value\n        step\n      }\n      inputs {\n        name\n        digest\n        source\n        sourceType\n        schema\n        tags {\n          key\n          value\n        }\n      }\n      experiment {\n        id\n        name\n        project {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      status\n      lifecycleStage\n      startTime\n      endTime\n      createdByApiKeyId\n      params {\n        key\n        value\n      }\n      tags {\n        key\n        value\n      }\n      latestMetrics {\n        key\n        value\n        step\n      }\n      inputs {\n        name\n        digest\n        source\n        sourceType\n        schema\n        tags {\n          key\n          value\n        }\n      }\n      experiment {\n        id\n        name\n        project {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys {\n    apiKeys(first: 100) {\n      edges {\n        node {\n          id\n          name\n          prefix\n          scopes\n          status\n          createdAt\n          expiresAt\n          lastUsedAt\n          revokedAt\n          ownerEmail\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ApiKeys {\n    apiKeys(first: 100) {\n      edges {\n        node {\n          id\n          name\n          prefix\n          scopes\n          status\n          createdAt\n          expiresAt\n          lastUsedAt\n          revokedAt\n          ownerEmail\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      secret\n      apiKey {\n        id\n        name\n        prefix\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      secret\n      apiKey {\n        id\n        name\n        prefix\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrgSettings {\n    organization {\n      id\n      name\n      slug\n      createdAt\n    }\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          user {\n            id\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrgSettings {\n    organization {\n      id\n      name\n      slug\n      createdAt\n    }\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          user {\n            id\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LeaveOrganization($input: RemoveMemberInput!) {\n    removeMember(input: $input)\n  }\n"): (typeof documents)["\n  mutation LeaveOrganization($input: RemoveMemberInput!) {\n    removeMember(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Team($id: ID!) {\n    team(id: $id) {\n      id\n      name\n      slug\n      description\n      createdAt\n      members {\n        id\n        role\n        addedAt\n        user {\n          id\n          name\n          email\n        }\n      }\n      projects(first: 100) {\n        edges {\n          node {\n            id\n            name\n            slug\n            description\n            createdAt\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Team($id: ID!) {\n    team(id: $id) {\n      id\n      name\n      slug\n      description\n      createdAt\n      members {\n        id\n        role\n        addedAt\n        user {\n          id\n          name\n          email\n        }\n      }\n      projects(first: 100) {\n        edges {\n          node {\n            id\n            name\n            slug\n            description\n            createdAt\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrgMembersForPicker {\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrgMembersForPicker {\n    members(first: 100) {\n      edges {\n        node {\n          id\n          role\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddTeamMember($input: AddTeamMemberInput!) {\n    addTeamMember(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation AddTeamMember($input: AddTeamMemberInput!) {\n    addTeamMember(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {\n    removeTeamMember(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {\n    removeTeamMember(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateProject($input: CreateProjectInput!) {\n    createProject(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateProject($input: CreateProjectInput!) {\n    createProject(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Teams {\n    teams(first: 100) {\n      edges {\n        node {\n          id\n          name\n          slug\n          description\n          createdAt\n          members {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query Teams {\n    teams(first: 100) {\n      edges {\n        node {\n          id\n          name\n          slug\n          description\n          createdAt\n          members {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTeam($input: CreateTeamInput!) {\n    createTeam(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTeam($input: CreateTeamInput!) {\n    createTeam(input: $input) {\n      id\n      name\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;