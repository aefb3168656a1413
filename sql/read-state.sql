-- read-state.sql: reads, in one round trip, everything the ORDS step compares, for the connected schema:
-- the ORDS version, which ORDS packages and parameters this user can call, and the JWT profile,
-- privilege, roles and modules (USER_ORDS_* views). It changes nothing.
--
-- Every view is read through EXECUTE IMMEDIATE of fixed text, so a view or column that this ORDS
-- release lacks (USER_ORDS_JWT_PROFILE.ROLE_CLAIM_NAME, for one) is reported under "unreadable"
-- instead of failing the whole block. Values are binds; nothing is ever concatenated into SQL text.
--
-- IN binds:   :privilege_name  the privilege the kit manages (= the scope value)
--             :role_names      JSON array of the role names in the configuration
--             :module_names    JSON array of the module names in the configuration (protected + demo)
--             :lock_name       name of the kit's user lock on this schema, or NULL to take no lock (plan, status)
--             :lock_seconds    how long to wait for the lock while another run of the kit holds it
-- OUT bind:   :state           JSON object { sessionUser, values, unreadable, truncated } (at most 32767 bytes:
--                              node-oracledb's maxSize counts bytes, and multibyte text has more bytes than
--                              characters)
--
-- The "all.*" keys list every privilege (with its modules, patterns and roles) and every module (with its base
-- path) of the schema. Only the doctor reads them, for its hints (a privilege named in another case or after the
-- fully qualified scope, the module behind a URL); the ORDS step never plans from them. When the document would
-- not fit the :state bind with them, they are left out and reported under "truncated", so they can never make
-- the ORDS step's own read fail.
declare
  l_values     json_object_t := json_object_t();
  l_unreadable json_object_t := json_object_t();
  l_truncated  json_object_t := json_object_t();
  l_state      json_object_t := json_object_t();
  l_privilege  varchar2(4000)  := :privilege_name;
  l_roles      varchar2(32767) := :role_names;
  l_modules    varchar2(32767) := :module_names;
  l_lock_name  varchar2(128)   := :lock_name;
  l_lock_secs  number          := :lock_seconds;
  l_lock       number;
  -- The kit's user lock: held by this session until it ends (release_on_commit false), so the read, the plan, the
  -- readiness wait and the write of one run never interleave with another run's, on any machine. Dynamic, so a user
  -- without EXECUTE on DBMS_LOCK still gets the read, with the lock reported under "unreadable".
  c_lock_block constant varchar2(400) := q'{
    declare
      l_handle varchar2(128);
    begin
      dbms_lock.allocate_unique(lockname => :1, lockhandle => l_handle);
      :2 := dbms_lock.request(lockhandle => l_handle, lockmode => dbms_lock.x_mode, timeout => :3,
                              release_on_commit => false);
    end;}';

  -- A value longer than one VARCHAR2 (32767 bytes) is reported under "truncated" with its byte length, never cut: a
  -- cut JSON list would read as different data. The kit refuses to plan from such a read.
  -- Bytes of a CLOB in the database character set. dbms_lob.getlength counts characters, but the :state bind and a
  -- VARCHAR2 are limited in bytes; 8000 characters are at most 32000 bytes, so each chunk fits a VARCHAR2.
  function byte_length(p_value in clob) return number is
    l_total  number := 0;
    l_offset pls_integer := 1;
    l_chunk  varchar2(32767);
  begin
    loop
      l_chunk := dbms_lob.substr(p_value, 8000, l_offset);
      exit when l_chunk is null;
      l_total := l_total + lengthb(l_chunk);
      l_offset := l_offset + 8000;
    end loop;
    return l_total;
  end byte_length;

  procedure store(p_key in varchar2, p_value in clob) is
  begin
    if p_value is null then
      l_values.put_null(p_key);
    elsif byte_length(p_value) > 32767 then
      l_truncated.put(p_key, byte_length(p_value));
    else
      l_values.put(p_key, dbms_lob.substr(p_value, 32767, 1));
    end if;
  end store;

  -- Runs one fixed query that returns one value (or no row) and stores it under p_key.
  -- A missing view or column (ORA-00942, ORA-00904) or missing grant (ORA-01031) is recorded, not raised.
  procedure capture(p_key in varchar2, p_query in varchar2) is
    l_value clob;
  begin
    execute immediate p_query into l_value;
    store(p_key, l_value);
  exception
    when no_data_found then
      store(p_key, null);
    when too_many_rows then
      l_unreadable.put(p_key, sqlerrm);
    when others then
      if sqlcode in (-942, -904, -1031) then
        l_unreadable.put(p_key, sqlerrm);
      else
        raise;
      end if;
  end capture;

  procedure capture(p_key in varchar2, p_query in varchar2, p_bind1 in varchar2) is
    l_value clob;
  begin
    execute immediate p_query into l_value using p_bind1;
    store(p_key, l_value);
  exception
    when no_data_found then
      store(p_key, null);
    when too_many_rows then
      l_unreadable.put(p_key, sqlerrm);
    when others then
      if sqlcode in (-942, -904, -1031) then
        l_unreadable.put(p_key, sqlerrm);
      else
        raise;
      end if;
  end capture;

  procedure capture(p_key in varchar2, p_query in varchar2, p_bind1 in varchar2, p_bind2 in varchar2) is
    l_value clob;
  begin
    execute immediate p_query into l_value using p_bind1, p_bind2;
    store(p_key, l_value);
  exception
    when no_data_found then
      store(p_key, null);
    when too_many_rows then
      l_unreadable.put(p_key, sqlerrm);
    when others then
      if sqlcode in (-942, -904, -1031) then
        l_unreadable.put(p_key, sqlerrm);
      else
        raise;
      end if;
  end capture;

  -- Leaves one of the doctor's "all.*" keys out of the document, reporting its length under "truncated".
  procedure drop_extra(p_key in varchar2) is
  begin
    if l_values.has(p_key) then
      l_truncated.put(p_key, nvl(byte_length(l_values.get_clob(p_key)), 0));
      l_values.remove(p_key);
    end if;
  end drop_extra;

  -- Builds the document from its four parts (once more after the extras were dropped).
  procedure put_state is
  begin
    l_state := json_object_t();
    l_state.put('sessionUser', sys_context('userenv', 'session_user'));
    l_state.put('values', l_values);
    l_state.put('unreadable', l_unreadable);
    l_state.put('truncated', l_truncated);
  end put_state;
begin
  -- The lock first (0 granted, 4 already held by this session, 1 another run held it for :lock_seconds).
  if l_lock_name is not null then
    begin
      execute immediate c_lock_block using in l_lock_name, out l_lock, in l_lock_secs;
      l_values.put('lock', to_char(l_lock));
    exception
      when others then
        l_unreadable.put('lock', sqlerrm);
    end;
  end if;

  -- ORDS itself: version, and the package procedures and parameters this user may call.
  capture('version', q'{select ords.installed_version from dual}');
  capture('procedures', q'{
    select json_arrayagg(p.object_name || '.' || p.procedure_name returning clob)
      from all_procedures p
      join all_synonyms s on s.table_owner = p.owner and s.table_name = p.object_name
     where s.owner = 'PUBLIC'
       and s.synonym_name in ('ORDS', 'ORDS_ADMIN', 'ORDS_SECURITY', 'ORDS_SECURITY_ADMIN', 'OAUTH', 'OAUTH_ADMIN')
       and p.procedure_name in ('CREATE_JWT_PROFILE', 'DELETE_JWT_PROFILE', 'DEFINE_PRIVILEGE', 'DELETE_PRIVILEGE',
                                'CREATE_ROLE', 'DELETE_ROLE', 'DEFINE_MODULE', 'DELETE_MODULE')}');
  capture('arguments', q'{
    select json_arrayagg(a.package_name || '.' || a.object_name || '.' || a.argument_name returning clob)
      from all_arguments a
      join all_synonyms s on s.table_owner = a.owner and s.table_name = a.package_name
     where s.owner = 'PUBLIC'
       and s.synonym_name in ('ORDS_SECURITY', 'ORDS_SECURITY_ADMIN', 'OAUTH', 'OAUTH_ADMIN')
       and a.object_name in ('CREATE_JWT_PROFILE', 'DELETE_JWT_PROFILE')
       and a.argument_name is not null}');
  -- The columns of the views whose names no public source confirms (USER_/DBA_ORDS_JWT_PROFILE.ROLE_CLAIM_NAME,
  -- DBA_ORDS_JWT_PROFILE.SCHEMA_ID), from the dictionary, so a missing column is named rather than guessed at.
  capture('columns', q'{
    select json_arrayagg(c.table_name || '.' || c.column_name order by c.table_name, c.column_name returning clob)
      from all_tab_columns c
     where c.table_name in ('USER_ORDS_JWT_PROFILE', 'DBA_ORDS_JWT_PROFILE', 'DBA_ORDS_SCHEMAS')}');
  capture('schema.status', q'{select max(status) from user_ords_schemas}');

  -- The JWT profile (one per schema); each column on its own, because some are unsettled across releases.
  capture('profile.count', q'{select to_char(count(*)) from user_ords_jwt_profile}');
  capture('profile.issuer', q'{select issuer from user_ords_jwt_profile}');
  capture('profile.audience', q'{select audience from user_ords_jwt_profile}');
  capture('profile.jwk_url', q'{select jwk_url from user_ords_jwt_profile}');
  capture('profile.description', q'{select description from user_ords_jwt_profile}');
  capture('profile.allowed_skew', q'{select to_char(allowed_skew) from user_ords_jwt_profile}');
  capture('profile.allowed_age', q'{select to_char(allowed_age) from user_ords_jwt_profile}');
  capture('profile.role_claim_name', q'{select role_claim_name from user_ords_jwt_profile}');

  -- The privilege named like the scope, with what it protects and the roles linked to it.
  capture('privilege.count', q'{select to_char(count(*)) from user_ords_privileges where name = :1}', l_privilege);
  capture('privilege.label', q'{select label from user_ords_privileges where name = :1}', l_privilege);
  capture('privilege.description', q'{select description from user_ords_privileges where name = :1}', l_privilege);
  -- The kit marks what it creates in COMMENTS (and records there which roles and profile it created); read on its
  -- own so a release without the column leaves only ownership unknown.
  capture('privilege.comments', q'{select comments from user_ords_privileges where name = :1}', l_privilege);
  capture('privilege.modules', q'{
    select json_arrayagg(module_name order by module_name returning clob)
      from user_ords_privilege_modules
     where privilege_name = :1}', l_privilege);
  capture('privilege.patterns', q'{
    select json_arrayagg(pattern order by pattern returning clob)
      from user_ords_privilege_mappings
     where name = :1}', l_privilege);
  capture('privilege.roles', q'{
    select json_arrayagg(role_name order by role_name returning clob)
      from user_ords_privilege_roles
     where privilege_name = :1}', l_privilege);

  -- The configured roles that exist, and other privileges and OAuth clients that still use them (teardown leaves those roles).
  capture('roles', q'{
    select json_arrayagg(name order by name returning clob)
      from user_ords_roles
     where name in (select j.name from json_table(:1, '$[*]' columns (name varchar2(4000) path '$')) j)}', l_roles);
  capture('roles.used_elsewhere', q'{
    select json_arrayagg(json_array(role_name, privilege_name) returning clob)
      from user_ords_privilege_roles
     where role_name in (select j.name from json_table(:1, '$[*]' columns (name varchar2(4000) path '$')) j)
       and privilege_name <> :2}', l_roles, l_privilege);
  capture('roles.used_by_clients', q'{
    select json_arrayagg(json_array(role_name, client_name) returning clob)
      from user_ords_client_roles
     where role_name in (select j.name from json_table(:1, '$[*]' columns (name varchar2(4000) path '$')) j)}', l_roles);

  -- The configured modules that exist, with their base paths, and their comments (the kit's marker).
  capture('modules', q'{
    select json_arrayagg(json_array(name, uri_prefix) returning clob)
      from user_ords_modules
     where name in (select j.name from json_table(:1, '$[*]' columns (name varchar2(4000) path '$')) j)}', l_modules);
  capture('modules.comments', q'{
    select json_arrayagg(json_array(name, comments) returning clob)
      from user_ords_modules
     where name in (select j.name from json_table(:1, '$[*]' columns (name varchar2(4000) path '$')) j)}', l_modules);

  -- For the doctor only: every privilege and module of the schema (see the header).
  capture('all.privileges', q'{
    select json_arrayagg(name order by name returning clob)
      from user_ords_privileges}');
  capture('all.privilege_modules', q'{
    select json_arrayagg(json_array(privilege_name, module_name) order by privilege_name, module_name returning clob)
      from user_ords_privilege_modules}');
  capture('all.privilege_patterns', q'{
    select json_arrayagg(json_array(name, pattern) order by name, pattern returning clob)
      from user_ords_privilege_mappings}');
  capture('all.privilege_roles', q'{
    select json_arrayagg(json_array(privilege_name, role_name) order by privilege_name, role_name returning clob)
      from user_ords_privilege_roles}');
  capture('all.modules', q'{
    select json_arrayagg(json_array(name, uri_prefix) order by name returning clob)
      from user_ords_modules}');

  put_state;
  if byte_length(l_state.to_clob) > 32767 then
    drop_extra('all.privileges');
    drop_extra('all.privilege_modules');
    drop_extra('all.privilege_patterns');
    drop_extra('all.privilege_roles');
    drop_extra('all.modules');
    put_state;
  end if;
  -- Checked again without the extras: if the step's own values still do not fit, say so instead of ORA-06502.
  if byte_length(l_state.to_clob) > 32767 then
    l_truncated.put('state', byte_length(l_state.to_clob));
    l_values := json_object_t();
    l_unreadable := json_object_t();
    put_state;
  end if;
  :state := l_state.to_string;
end;
