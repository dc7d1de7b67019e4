/**
 * Answers in other scripts and accented Latin for the token eval, which the shared data lacks: original text
 * written for this eval in the style of chat answers, not taken from any source. A small sample, reported as
 * such; it keeps the estimate from going far wrong on scripts it would otherwise never have seen.
 */
export const OTHER_SCRIPT_SAMPLES: Record<string, string[]> = {
  "Russian (written for the eval)": [
    "Чтобы приготовить вкусный борщ, сначала сварите мясной бульон. Затем добавьте нарезанный картофель и капусту, а через десять минут положите обжаренные свёклу, морковь и лук. В конце посолите, добавьте немного чеснока и дайте супу настояться.",
    "Если компьютер стал работать медленно, проверьте, какие программы запускаются вместе с системой. Отключите лишние, удалите ненужные файлы и убедитесь, что на диске осталось хотя бы десять процентов свободного места.",
    "Москва — столица России и один из крупнейших городов Европы. Здесь находятся Красная площадь, Кремль и Большой театр. Лучше всего приезжать сюда в конце весны или в начале осени, когда не слишком жарко.",
    "Чтобы выучить иностранный язык, важно заниматься каждый день хотя бы по двадцать минут. Смотрите фильмы с субтитрами, слушайте подкасты и старайтесь сразу использовать новые слова в разговоре.",
    "Спасибо за вопрос! Короче говоря, эту настройку можно менять без опасений. Однако после изменения нужно перезапустить приложение, иначе новые параметры не вступят в силу.",
    "Эта функция принимает список чисел и возвращает сумму всех чётных элементов. Сначала она проходит по списку, затем проверяет каждый элемент и добавляет его к результату, если он делится на два без остатка.",
  ],
  "Arabic (written for the eval)": [
    "لتحضير كوب من الشاي بالنعناع، اغلِ الماء أولاً ثم أضف ملعقة من الشاي الأخضر واتركه لمدة ثلاث دقائق. بعد ذلك أضف أوراق النعناع الطازجة والسكر حسب الرغبة، وقدّمه ساخناً.",
    "إذا أصبح حاسوبك بطيئاً، فابدأ بإغلاق البرامج التي لا تستخدمها. ثم احذف الملفات غير الضرورية وتأكد من وجود مساحة كافية على القرص الصلب.",
    "القاهرة هي عاصمة مصر وأكبر مدنها، وتقع على ضفاف نهر النيل. يزورها ملايين السياح كل عام لمشاهدة الأهرامات والمتحف المصري والأسواق القديمة.",
    "لتعلم لغة جديدة، من المهم أن تدرس قليلاً كل يوم. استمع إلى الأغاني وشاهد الأفلام بتلك اللغة، وحاول أن تستخدم الكلمات الجديدة في محادثات قصيرة.",
    "شكراً على سؤالك. باختصار، يمكنك تغيير هذا الإعداد دون أي مشكلة، لكن يجب إعادة تشغيل التطبيق بعد التغيير حتى يتم تطبيقه.",
    "تقوم هذه الدالة بحساب مجموع الأعداد الزوجية في القائمة. فهي تمر على كل عنصر، وتتحقق مما إذا كان يقبل القسمة على اثنين، ثم تضيفه إلى النتيجة.",
  ],
  "Hindi (written for the eval)": [
    "अच्छी चाय बनाने के लिए पहले पानी उबालें, फिर उसमें अदरक और इलायची डालें। दो मिनट बाद चाय की पत्ती और चीनी डालें, और अंत में दूध मिलाकर पाँच मिनट तक धीमी आँच पर पकाएँ।",
    "अगर आपका कंप्यूटर धीमा चल रहा है, तो सबसे पहले उन प्रोग्रामों को बंद करें जिनका आप उपयोग नहीं कर रहे हैं। इसके बाद अनावश्यक फ़ाइलें हटाएँ और डिस्क पर पर्याप्त जगह रखें।",
    "दिल्ली भारत की राजधानी है और यहाँ लाल किला, इंडिया गेट और कुतुब मीनार जैसी कई प्रसिद्ध जगहें हैं। घूमने के लिए अक्टूबर से मार्च तक का समय सबसे अच्छा माना जाता है।",
    "कोई नई भाषा सीखने के लिए रोज़ थोड़ा-थोड़ा अभ्यास करना सबसे ज़रूरी है। उस भाषा में गाने सुनें, फ़िल्में देखें और नए शब्दों का प्रयोग छोटी बातचीत में करें।",
    "आपके सवाल के लिए धन्यवाद। संक्षेप में, आप यह सेटिंग बिना किसी चिंता के बदल सकते हैं, लेकिन बदलाव के बाद ऐप को एक बार फिर से शुरू करना होगा।",
    "यह फ़ंक्शन सूची में मौजूद सभी सम संख्याओं का योग निकालता है। यह हर तत्व को जाँचता है कि वह दो से पूरी तरह विभाजित होता है या नहीं, और अगर होता है तो उसे परिणाम में जोड़ देता है।",
  ],
  "French, German, Spanish (written for the eval)": [
    "Pour préparer une bonne crêpe, mélangez la farine, les œufs et le lait jusqu'à obtenir une pâte lisse. Laissez-la reposer une heure, puis faites cuire chaque crêpe à feu moyen dans une poêle légèrement beurrée.",
    "Wenn Ihr Computer langsam geworden ist, schließen Sie zuerst alle Programme, die Sie nicht benötigen. Löschen Sie danach überflüssige Dateien und prüfen Sie, ob auf der Festplatte genügend Speicherplatz frei ist.",
    "Para aprender un idioma nuevo, lo más importante es practicar un poco cada día. Escucha canciones, mira películas con subtítulos y trata de usar las palabras nuevas en conversaciones cortas.",
    "Merci pour votre question. En résumé, vous pouvez modifier ce réglage sans problème, mais il faudra redémarrer l'application pour que le changement soit pris en compte.",
    "Die Funktion berechnet die Summe aller geraden Zahlen in der Liste. Sie prüft jedes Element, ob es ohne Rest durch zwei teilbar ist, und addiert es in diesem Fall zum Ergebnis.",
    "Madrid es la capital de España y una de las ciudades más animadas de Europa. Además del Museo del Prado y el Palacio Real, merece la pena pasear por el Retiro y probar las tapas del centro.",
  ],
};
