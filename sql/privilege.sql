-- privilege.sql: the privilege named like the scope, and the ORDS roles linked to it, one section per package
-- (ORDS for the connected schema, ORDS_ADMIN with p_schema for another one).
-- ORDS.DEFINE_PRIVILEGE is the documented create-or-replace, so create and update are the same call.
-- Role lists arrive as JSON arrays and are unpacked with fill() (apply.sql) into owa.vc_arr locals.

-- @section ords.create_roles
fill(:roles_to_create, l_names);
for i in 1 .. l_names.count loop
  ords.create_role(
    p_role_name => l_names(i));
end loop;

-- @section ords.define
fill(:privilege_roles, l_roles);
fill(:privilege_patterns, l_patterns);
fill(:privilege_modules, l_modules);
ords.define_privilege(
  p_privilege_name => :privilege_name,
  p_roles          => l_roles,
  p_patterns       => l_patterns,
  p_modules        => l_modules,
  p_label          => :privilege_label,
  p_description    => :privilege_description,
  p_comments       => :privilege_comments);

-- @section ords.delete
ords.delete_privilege(
  p_name => :privilege_name);

-- @section ords.delete_roles
fill(:roles_to_delete, l_names);
for i in 1 .. l_names.count loop
  ords.delete_role(
    p_role_name => l_names(i));
end loop;

-- @section ords_admin.create_roles
fill(:roles_to_create, l_names);
for i in 1 .. l_names.count loop
  ords_admin.create_role(
    p_schema    => :schema,
    p_role_name => l_names(i));
end loop;

-- @section ords_admin.define
fill(:privilege_roles, l_roles);
fill(:privilege_patterns, l_patterns);
fill(:privilege_modules, l_modules);
ords_admin.define_privilege(
  p_schema         => :schema,
  p_privilege_name => :privilege_name,
  p_roles          => l_roles,
  p_patterns       => l_patterns,
  p_modules        => l_modules,
  p_label          => :privilege_label,
  p_description    => :privilege_description,
  p_comments       => :privilege_comments);

-- @section ords_admin.delete
ords_admin.delete_privilege(
  p_schema => :schema,
  p_name   => :privilege_name);

-- @section ords_admin.delete_roles
fill(:roles_to_delete, l_names);
for i in 1 .. l_names.count loop
  ords_admin.delete_role(
    p_schema    => :schema,
    p_role_name => l_names(i));
end loop;
