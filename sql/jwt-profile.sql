-- jwt-profile.sql: create and delete the schema's JWT profile, one section per ORDS package.
-- There is no update: the runner deletes, then creates, inside the same block (apply.sql).
-- ORDS_SECURITY[_ADMIN] is used from ORDS 24.4; OAUTH[_ADMIN] only as the deprecated fallback (23.3 to 25.2).
-- p_allowed_skew and p_allowed_age are binds that are NULL unless configured; the kit never passes 0.
-- p_role_claim_name (role mode) exists from ORDS 25.1, so it has its own sections.

-- @section ords_security.create
ords_security.create_jwt_profile(
  p_issuer       => :profile_issuer,
  p_audience     => :profile_audience,
  p_jwk_url      => :profile_jwk_url,
  p_description  => :profile_description,
  p_allowed_skew => :profile_allowed_skew,
  p_allowed_age  => :profile_allowed_age);

-- @section ords_security.create_role_mode
ords_security.create_jwt_profile(
  p_issuer          => :profile_issuer,
  p_audience        => :profile_audience,
  p_jwk_url         => :profile_jwk_url,
  p_description     => :profile_description,
  p_allowed_skew    => :profile_allowed_skew,
  p_allowed_age     => :profile_allowed_age,
  p_role_claim_name => :profile_role_claim_name);

-- @section ords_security.delete
ords_security.delete_jwt_profile;

-- @section ords_security_admin.create
ords_security_admin.create_jwt_profile(
  p_schema       => :schema,
  p_issuer       => :profile_issuer,
  p_audience     => :profile_audience,
  p_jwk_url      => :profile_jwk_url,
  p_description  => :profile_description,
  p_allowed_skew => :profile_allowed_skew,
  p_allowed_age  => :profile_allowed_age);

-- @section ords_security_admin.create_role_mode
ords_security_admin.create_jwt_profile(
  p_schema          => :schema,
  p_issuer          => :profile_issuer,
  p_audience        => :profile_audience,
  p_jwk_url         => :profile_jwk_url,
  p_description     => :profile_description,
  p_allowed_skew    => :profile_allowed_skew,
  p_allowed_age     => :profile_allowed_age,
  p_role_claim_name => :profile_role_claim_name);

-- @section ords_security_admin.delete
ords_security_admin.delete_jwt_profile(
  p_schema => :schema);

-- @section ords_security_admin.delete_if_any
-- Used only when the current profile could not be read. Which error a delete of nothing raises is not
-- documented, so ORDS's own errors (ORA-20000 to ORA-20999) are taken as "there was none".
begin
  ords_security_admin.delete_jwt_profile(
    p_schema => :schema);
exception
  when others then
    if sqlcode not between -20999 and -20000 then
      raise;
    end if;
end;

-- @section oauth.create
oauth.create_jwt_profile(
  p_issuer       => :profile_issuer,
  p_audience     => :profile_audience,
  p_jwk_url      => :profile_jwk_url,
  p_description  => :profile_description,
  p_allowed_skew => :profile_allowed_skew,
  p_allowed_age  => :profile_allowed_age);

-- @section oauth.delete
oauth.delete_jwt_profile;

-- @section oauth_admin.create
oauth_admin.create_jwt_profile(
  p_schema       => :schema,
  p_issuer       => :profile_issuer,
  p_audience     => :profile_audience,
  p_jwk_url      => :profile_jwk_url,
  p_description  => :profile_description,
  p_allowed_skew => :profile_allowed_skew,
  p_allowed_age  => :profile_allowed_age);

-- @section oauth_admin.delete
oauth_admin.delete_jwt_profile(
  p_schema => :schema);

-- @section oauth_admin.delete_if_any
-- Used only when the current profile could not be read (see ords_security_admin.delete_if_any).
begin
  oauth_admin.delete_jwt_profile(
    p_schema => :schema);
exception
  when others then
    if sqlcode not between -20999 and -20000 then
      raise;
    end if;
end;
